"""Entity extraction, validation, normalisation and resolution for Chinese and English text."""
