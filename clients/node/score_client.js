'use strict';
// Minimal Node.js client of the fraudgraph gRPC service, used by the cross-language test.
// Usage: node score_client.js <target> <METHOD> '<request json>'
// Environment: FRAUDGRAPH_TOKEN (bearer token), FRAUDGRAPH_CA (CA certificate file, enables TLS),
// FRAUDGRAPH_CLIENT_CERT / FRAUDGRAPH_CLIENT_KEY (client certificate for mutual TLS).
const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const PROTO_ROOT = path.resolve(__dirname, '..', '..', 'proto');
const SERVICES = {
  ScoreTransaction: 'ScoringService',
  ScoreApplication: 'ScoringService',
  ListRings: 'RingService',
  GetRing: 'RingService',
  ReviewRing: 'RingService',
};

function loadPackage() {
  const definition = protoLoader.loadSync(
    ['fraudgraph/v1/scoring.proto', 'fraudgraph/v1/rings.proto'],
    { includeDirs: [PROTO_ROOT], keepCase: true, longs: String, enums: String, defaults: true },
  );
  return grpc.loadPackageDefinition(definition).fraudgraph.v1;
}

function credentials() {
  const ca = process.env.FRAUDGRAPH_CA;
  if (!ca) return grpc.credentials.createInsecure();
  const cert = process.env.FRAUDGRAPH_CLIENT_CERT;
  const key = process.env.FRAUDGRAPH_CLIENT_KEY;
  return grpc.credentials.createSsl(
    fs.readFileSync(ca),
    key ? fs.readFileSync(key) : null,
    cert ? fs.readFileSync(cert) : null,
  );
}

function main() {
  const [target, method, body] = process.argv.slice(2);
  const serviceName = SERVICES[method];
  if (!serviceName) {
    console.error(`unknown method ${method}`);
    process.exit(2);
  }
  const Service = loadPackage()[serviceName];
  const client = new Service(target, credentials());
  const metadata = new grpc.Metadata();
  if (process.env.FRAUDGRAPH_TOKEN) {
    metadata.set('authorization', `Bearer ${process.env.FRAUDGRAPH_TOKEN}`);
  }
  const deadline = new Date(Date.now() + 10000);
  client[method](JSON.parse(body), metadata, { deadline }, (err, response) => {
    if (err) {
      console.log(JSON.stringify({ error: { code: err.code, details: err.details } }));
      process.exit(1);
    }
    console.log(JSON.stringify(response));
    client.close();
  });
}

main();
