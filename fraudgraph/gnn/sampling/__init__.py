"""Neighbourhood sampling over CSR tensors (pyg-lib and torch-sparse are not required)."""
