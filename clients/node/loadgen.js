'use strict';
// Open-loop load generator for the fraudgraph scoring service (used by `fraudgraph bench serve`).
//
// Usage: node loadgen.js < plan.json > result.json
// The plan is the JSON of fraudgraph.service.load_generator.LoadPlan. Requests are due on a fixed
// schedule (request n at start + n / rate) whatever the server's speed; at most `concurrency`
// are in flight, and a request that finds them all busy waits in a backlog. Client latency is
// measured from the request's SCHEDULED send time, so time spent waiting behind a slow server
// counts (no coordinated omission). With `warmup_s`, the first warmup_s * rate requests go out
// on the same connections but their answers are not measured (errors still count). The result
// is one JSON object on stdout: {sent, unmeasured, elapsed_s, client_ms: [...], server_ms: [...],
// errors: {CODE: n}, actions: {ACTION: n}} (sent and elapsed_s: the measured part).
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const PROTO_ROOT = path.resolve(__dirname, '..', '..', 'proto');
const CODE_NAMES = Object.fromEntries(Object.entries(grpc.status).map(([k, v]) => [v, k]));

function loadService() {
  const definition = protoLoader.loadSync(['fraudgraph/v1/scoring.proto'], {
    includeDirs: [PROTO_ROOT], keepCase: true, longs: Number, enums: String, defaults: true,
  });
  return grpc.loadPackageDefinition(definition).fraudgraph.v1.ScoringService;
}

// Small seeded PRNG (mulberry32): the same plan sends the same accounts, devices and amounts.
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pad(n, width) {
  return String(n).padStart(width, '0');
}

// The n-th request: like LoadGenerator.request in Python (one in three uses the graph's keys,
// one in three carries a phone number in its memo).
function requestMaker(plan) {
  const rnd = prng(plan.seed);
  const int = (n) => Math.floor(rnd() * n);
  const pick = (pool) => pool[int(pool.length)];
  return (n) => {
    const fromGraph = n % 3 === 1;
    const payer = fromGraph && plan.account_pool.length
      ? pick(plan.account_pool) : `AC${pad(int(plan.accounts), 7)}`;
    const device = fromGraph && plan.device_pool.length
      ? pick(plan.device_pool) : `dev-${pad(int(plan.devices), 6)}`;
    const nowMs = Date.now();
    return {
      request_id: `${plan.id_prefix}-${n}`,
      transaction: {
        transaction_id: `${plan.id_prefix}-t${n}`,
        payer_account: payer,
        payee_account: `AC${pad(int(plan.accounts), 7)}`,
        amount: Math.round((1 + rnd() * 49999) * 100) / 100,
        currency: 'CNY',
        timestamp: { seconds: Math.floor(nowMs / 1000), nanos: (nowMs % 1000) * 1e6 },
        device_id: device,
        ip: `10.${int(256)}.${int(256)}.${1 + int(254)}`,
        memo: n % 3 === 0 ? `转账 还款 139${pad(int(1e8), 8)}` : '货款',
      },
    };
  };
}

class Results {
  constructor() {
    this.measureFromMs = 0;
    this.unmeasured = 0;
    this.client_ms = [];
    this.server_ms = [];
    this.errors = {};
    this.actions = {};
  }

  decided(scheduledMs, decision) {
    if (scheduledMs < this.measureFromMs) {
      this.unmeasured += 1;
      return;
    }
    this.client_ms.push(performance.now() - scheduledMs);
    this.server_ms.push(decision.server_latency_ms);
    this.actions[decision.action] = (this.actions[decision.action] || 0) + 1;
  }

  failed(code) {
    const name = CODE_NAMES[code] || 'UNKNOWN';
    this.errors[name] = (this.errors[name] || 0) + 1;
  }
}

// A client with a TCP connection of its own. grpc-js shares one connection between clients
// of the same target and options (its global subchannel pool); a local pool per client gives
// each its own connection. With `plan.targets` (the own addresses of a multi-process server's
// processes) client i connects to targets[i % targets.length]: the processes get the
// connections round-robin, evenly; without, all go to plan.target and the kernel's port hash
// picks a process per connection.
function ownConnection(Service, plan, id) {
  const target = plan.targets.length ? plan.targets[id % plan.targets.length] : plan.target;
  return new Service(target, grpc.credentials.createInsecure(), {
    'grpc.use_local_subchannel_pool': 1,
    'grpc.primary_user_agent': `fraudgraph-loadgen/${id}`,
  });
}

// Unary ScoreTransaction calls, round-robin over `clients`; `done` once per finished call.
function unarySender(clients, plan, metadata, results, done) {
  let next = 0;
  return (request, scheduledMs) => {
    const client = clients[next];
    next = (next + 1) % clients.length;
    const deadline = new Date(Date.now() + plan.deadline_s * 1000);
    client.ScoreTransaction(request, metadata, { deadline }, (err, response) => {
      if (err) results.failed(err.code);
      else results.decided(scheduledMs, response.decision);
      done();
    });
  };
}

// Requests spread round-robin over `plan.streams` ScoreStream streams, answered in order;
// stream i runs on clients[i] (a connection of its own).
function streamSender(clients, plan, metadata, results, done) {
  const deadline = new Date(Date.now() + (plan.warmup_s + plan.duration_s + 60) * 1000);
  const streams = [];
  for (let i = 0; i < plan.streams; i += 1) {
    const call = clients[i].ScoreStream(metadata, { deadline });
    const waiting = [];
    const stream = { call, waiting, failed: null };
    call.on('data', (response) => {
      const scheduledMs = waiting.shift();
      if (response.error) results.failed(response.error.code);
      else results.decided(scheduledMs, response.decision);
      done();
    });
    call.on('error', (err) => {
      stream.failed = err.code;
      while (waiting.length) {
        waiting.shift();
        results.failed(err.code);
        done();
      }
    });
    streams.push(stream);
  }
  let next = 0;
  const send = (request, scheduledMs) => {
    const stream = streams[next];
    next = (next + 1) % streams.length;
    if (stream.failed !== null) { // the stream is gone: the request fails with it, at once
      setImmediate(() => {
        results.failed(stream.failed);
        done();
      });
      return;
    }
    stream.waiting.push(scheduledMs);
    stream.call.write({ transaction: request });
  };
  send.close = () => streams.forEach((s) => s.call.end());
  return send;
}

// Resolves once every client's connection is up (rejects on the first that is not).
function allReady(clients, deadlineMs) {
  return Promise.all(clients.map((c) => new Promise((resolve, reject) => {
    c.waitForReady(deadlineMs, (err) => (err ? reject(err) : resolve()));
  })));
}

function run(plan) {
  const Service = loadService();
  const count = plan.streams > 0 ? plan.streams : Math.max(1, plan.connections);
  const clients = Array.from({ length: count }, (_, i) => ownConnection(Service, plan, i));
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${plan.token}`);
  const makeRequest = requestMaker(plan);
  const results = new Results();
  const warm = Math.floor(plan.rate * plan.warmup_s);
  const total = warm + Math.floor(plan.rate * plan.duration_s);
  const intervalMs = 1000 / plan.rate;
  let inflight = 0;
  let finished = 0;
  let due = 0; // requests whose scheduled time has come (sent or waiting in the backlog)
  let sent = 0;
  let startMs = 0;
  let send = null;

  const pump = () => {
    while (sent < due && inflight < plan.concurrency) {
      inflight += 1;
      send(makeRequest(sent), startMs + sent * intervalMs);
      sent += 1;
    }
  };
  const finish = () => {
    const elapsed = (performance.now() - results.measureFromMs) / 1000;
    if (send.close) send.close();
    clients.forEach((c) => c.close());
    const { measureFromMs, ...measured } = results;
    const out = { sent: total - warm, elapsed_s: elapsed, ...measured };
    process.stdout.write(JSON.stringify(out) + '\n');
  };
  const done = () => {
    inflight -= 1;
    finished += 1;
    if (finished === total) finish();
    else pump();
  };
  const tick = () => {
    const now = performance.now();
    due = Math.min(total, Math.floor((now - startMs) / intervalMs) + 1);
    pump();
    if (due < total) setTimeout(tick, Math.max(0, startMs + due * intervalMs - performance.now()));
  };

  allReady(clients, Date.now() + 10000).then(() => {
    send = plan.streams > 0
      ? streamSender(clients, plan, metadata, results, done)
      : unarySender(clients, plan, metadata, results, done);
    startMs = performance.now();
    results.measureFromMs = startMs + warm * intervalMs;
    if (total === 0) finish();
    else tick();
  }, (err) => {
    process.stderr.write(`server not ready: ${err.message}\n`);
    process.exit(2);
  });
}

function main() {
  const chunks = [];
  process.stdin.on('data', (c) => chunks.push(c));
  process.stdin.on('end', () => {
    const plan = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    run({
      account_pool: [], device_pool: [], deadline_s: 1.0, connections: 1, targets: [],
      warmup_s: 0, ...plan,
    });
  });
}

main();
