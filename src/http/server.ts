import type { AddressInfo, Socket } from 'node:net';
import cors from '@fastify/cors';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import type { Bus } from '../bus/bus.js';
import { createBus } from '../bus/create-bus.js';
import { createClusterServices } from '../bus/cluster-services.js';
import { createLease } from '../bus/create-lease.js';
import { defaultNodeId } from '../config/sections/cluster.js';
import { loadConfig } from '../config/load.js';
import type { Config, ConfigInput } from '../config/schema.js';
import { systemClock, type Clock } from '../core/clock.js';
import { Hub } from '../core/hub.js';
import { TimerWheel } from '../core/timer-wheel.js';
import { HealthReducer } from '../sources/health/health-reducer.js';
import { HealthReporter } from '../sources/health/health-reporter.js';
import { WEBHOOK_PATH } from '../sources/alertmanager/watcher-source.js';
import { INGEST_PATH } from '../sources/alerts/ingest-source.js';
import { configuredSources } from '../sources/configured.js';
import { LeasedSource } from '../sources/leased-source.js';
import type { Source, SourceContext } from '../sources/source.js';
import { StatsSource } from '../sources/stats/stats-source.js';
import type { TransportContext } from '../transports/context.js';
import { handlePoll } from '../transports/long-poll.js';
import { handleSse } from '../transports/sse.js';
import { SourceStreamFactory } from '../transports/source-streams.js';
import { rejectHandshake, WebSocketTransport, WS_PATH } from '../transports/websocket.js';
import { WS_CLOSE } from '@livegate/protocol';
import { closeReasonFor } from '../core/outbound.js';
import { httpErrorAnswer, LivegateError, rawHttpResponse } from '../errors.js';
import { AddressList } from './auth/address-list.js';
import { AuthGate } from './auth/auth-gate.js';
import { installAccessControl, tagRoutes } from './auth/access-hook.js';
import { JwtVerifier } from './auth/jwt-verifier.js';
import { PublishKeys } from './auth/publish-keys.js';
import { PollContinuations } from './limits/poll-continuations.js';
import { RateLimiter } from './limits/rate-limiter.js';
import { ClientIpResolver } from './client-ip.js';
import { ConnectionLimiter } from './connection-limiter.js';
import { registerDashboard } from './dashboard.js';
import { registerSourceRoutes } from './source-routes.js';
import { installErrorHandling } from './error-handler.js';
import { AlertmanagerMetrics } from './alertmanager-metrics.js';
import { ConsoleMetrics } from './console-metrics.js';
import { buildInfo, VERSION } from './build-info.js';
import { instrumentEndpoints, type InstrumentedEndpoint } from './endpoint-metrics.js';
import { listenUrls } from './listen-urls.js';
import { Metrics } from './metrics.js';
import { OriginPolicy } from './origin-policy.js';
import { EdgeMetrics } from './edge-metrics.js';
import { resolveMaxSockets, SocketGuard } from './socket-guard.js';
import { registerConnectionRoutes } from './routes/connections.js';
import { registerProbeRoutes } from './routes/probes.js';
import { registerPublishRoute } from './routes/publish.js';
import { installSecurityHeaders } from './security-headers.js';
import { readTlsFiles, reloadTlsOnSighup, type SecureContextTarget } from './tls.js';

/** Options of {@link startLivegate}. */
export interface LivegateOptions {
  /** A loaded config; defaults to `loadConfig({ overrides })`. */
  config?: Config;
  /** Programmatic config values, used when `config` is absent. */
  overrides?: ConfigInput;
  /** Publishers to run besides those the config enables (ingest, Alertmanager watcher, demo). Defaults to none. */
  sources?: readonly Source[];
  /** Logger. Defaults to pino JSON on stdout at `config.log.level`. */
  logger?: Logger;
  /** Bus; defaults to the one `config.bus.kind` names, built by `createBus`. */
  bus?: Bus;
  /** Timer wheel for heartbeats and timeouts; defaults to one with 25 ms ticks. Tests pass their own. */
  timers?: TimerWheel;
  /** Extra routes (the dashboard) registered before listen. */
  plugins?: readonly ((app: FastifyInstance) => void | Promise<void>)[];
  /**
   * The clock the rate limits (`limits.connectsPerSecond`, `limits.publishesPerSecond`,
   * `ws.maxMessagesPerSecond`) refill by; defaults to the system clock. Tests hold it still so a
   * budget does not refill while a loaded machine runs the test slowly.
   */
  limitsClock?: Clock;
}

/** A running server. */
export interface LivegateServer {
  readonly url: string;
  readonly port: number;
  readonly hub: Hub;
  readonly config: Config;
  readonly app: FastifyInstance;
  readonly metrics: Metrics;
  readonly health: HealthReporter;
  /** The `stats_updated` publisher, when `stats.intervalMs` > 0; sources may add counters to it. */
  readonly stats: StatsSource | undefined;
  readonly log: Logger;
  /**
   * Graceful shutdown: refuse new connections, send `shutdown` to every client (SSE event,
   * WebSocket close 1001), answer pending polls, stop sources and the bus. Idempotent.
   */
  close(): Promise<void>;
}

const INGEST_ENDPOINT: InstrumentedEndpoint = {
  method: 'POST',
  path: INGEST_PATH,
  prefix: 'livegate_alert_ingest',
  what: `alert ingest (POST ${INGEST_PATH})`,
};
const WEBHOOK_ENDPOINT: InstrumentedEndpoint = {
  method: 'POST',
  path: WEBHOOK_PATH,
  prefix: 'livegate_alertmanager_webhook',
  what: `Alertmanager webhook (POST ${WEBHOOK_PATH})`,
};

/** The package version (re-exported: `VERSION` lives with the rest of the build info). */
export { VERSION };

/** Composes and starts a livegate server: bus, hub, sources, HTTP routes and transports. */
export async function startLivegate(options: LivegateOptions = {}): Promise<LivegateServer> {
  const config = options.config ?? loadConfig(options.overrides === undefined ? {} : { overrides: options.overrides });
  const nodeId = config.node.id || defaultNodeId();
  const log = (options.logger ?? pino({ level: config.log.level, base: { service: 'livegate' } })).child({
    node: nodeId,
  });
  const metrics = new Metrics(buildInfo(VERSION, nodeId), config.observability.maxEventSeries);
  const onError = (err: unknown, context: string): void => log.error({ err }, `${context} failed`);
  const timers =
    options.timers ??
    new TimerWheel({
      tickMs: 25,
      slots: 4096,
      now: () => systemClock.now(),
      onError: (err) => {
        metrics.timerFailures.inc();
        onError(err, 'timer task');
      },
    });
  const hub = new Hub({
    bus:
      options.bus ??
      createBus(config.bus, {
        retainEvents: config.replay.maxEvents,
        onError: (err) => log.warn({ err }, 'bus connection error (retrying)'),
      }),
    clock: systemClock,
    timers,
    window: config.replay,
    queue: config.queue,
    maxSubscriptionsPerSession: config.limits.maxSubscriptions,
    maxHistoryReads: config.replay.maxHistoryReads,
    matcherBudget: { perConnection: config.filters.maxCostPerConnection, total: config.filters.maxCostTotal },
    observer: metrics,
    onError,
  });
  metrics.watchHub(hub);
  hub.registerState(new HealthReducer());
  const gate = authGateFromConfig(config);
  const stats =
    config.stats.intervalMs > 0
      ? new StatsSource(hub, metrics, {
          intervalMs: config.stats.intervalMs,
          ...(config.bus.kind === 'memory' ? {} : { nodeId }),
        })
      : undefined;
  // Sources that watch outside systems run on one node at a time: on the node holding their lease.
  const leaseConfig = { bus: config.bus, nodeId, leaseMs: config.cluster.leaseMs };
  const perCluster = (source: Source): Source =>
    source.perCluster === true
      ? new LeasedSource(
          source,
          createLease(source.name, leaseConfig, (err) => log.warn({ err, lease: source.name }, 'lease error')),
        )
      : source;
  const sources: Source[] = [
    ...(stats === undefined ? [] : [stats]),
    ...configuredSources(config, {
      stats,
      metricsRegistry: metrics.registry,
      version: VERSION,
      watchTelemetry: new AlertmanagerMetrics(
        metrics.registry,
        config.alertmanagers.map((target) => target.name),
      ),
      ...(config.console.nats.servers.length === 0
        ? {}
        : { consoleTelemetry: new ConsoleMetrics(metrics.registry, config.console.cluster) }),
    }),
    ...(options.sources ?? []),
  ].map(perCluster);
  for (const source of sources) {
    hub.reserved.reserveSource(source.name);
    for (const reducer of source.reducers ?? []) hub.registerState(reducer);
    if (source.demand !== undefined) hub.registerDemand(source.demand);
  }

  let shuttingDown = false;
  const health = new HealthReporter((drafts) => hub.publish(drafts, 'livegate'), log);
  const connections = new ConnectionLimiter(config.limits.maxConnections, config.limits.maxPerIp);
  const limitsClock = options.limitsClock ?? systemClock;
  const rate = (perSecond: number, setting: string): RateLimiter =>
    new RateLimiter({ perSecond, setting, now: () => limitsClock.now() });
  const connects = rate(config.limits.connectsPerSecond, 'limits.connectsPerSecond');
  const continuations = new PollContinuations();
  const wsMessages = rate(config.ws.maxMessagesPerSecond, 'ws.maxMessagesPerSecond');
  const origins = new OriginPolicy(config.cors.origins);
  const clientIp = new ClientIpResolver(config.trustedProxies);
  const sockets = new SocketGuard({
    max: resolveMaxSockets(config.sockets.max),
    maxPerIp: config.sockets.maxPerIp > 0 ? config.sockets.maxPerIp : config.limits.maxPerIp + 64,
    exempt: (peer) => clientIp.isTrustedProxy(peer),
    retryAfterSeconds: config.limits.retryAfterSeconds,
    onRefused: (reason) => edgeMetrics.socketRefused(reason),
  });
  const edgeMetrics = new EdgeMetrics(metrics.registry, connections, sockets);
  const taskFailed = (task: string, err: unknown): void => {
    edgeMetrics.taskFailed(task);
    log.error({ err, task }, 'background task failed');
  };
  const ctx: TransportContext = {
    hub,
    config,
    limiter: {
      acquire: (ip, resume) => {
        const continues = resume !== undefined && continuations.holds(ip, resume.from, resume.waits);
        if (!continues) connects.check(ip, 'connections from this address');
        const release = connections.acquire(ip);
        // Spent only once admitted: a poll refused for the connection limits keeps its pass.
        if (continues) continuations.redeem(ip, resume.from, resume.waits);
        return release;
      },
      answered: (ip, lastEventId, pass) => {
        if (config.limits.connectsPerSecond > 0) continuations.issue(ip, lastEventId, pass);
      },
    },
    auth: {
      principalOf: (request) => {
        if (request.principal === null) throw new LivegateError('unauthorized');
        return request.principal;
      },
      handshake: async (headers, accessToken, ip) => (await gate.require({ headers, accessToken, ip }, 'read'))!,
      refresh: (token, current) => gate.refresh(token, current),
    },
    wsMessages: {
      take: (connection) => wsMessages.take(connection) === 0,
      forget: (connection) => wsMessages.forget(connection),
    },
    origins,
    clientIp,
    log,
    shuttingDown: () => shuttingDown,
  };

  // Fastify gets no logger: it would make a child logger per request (held for the life of every SSE
  // stream, ~1 KB each) to log requests we do not want logged; our handlers log through `log`.
  const tlsFiles = config.tls.certFile === '' ? null : { certFile: config.tls.certFile, keyFile: config.tls.keyFile };
  // With TLS: HTTP/2 (many event streams share one connection, past browsers' six per host), with
  // HTTP/1.1 still accepted on the same port (WebSocket upgrades, older clients).
  const transportOptions =
    tlsFiles === null
      ? { forceCloseConnections: true as const }
      : { http2: true as const, https: { allowHTTP1: true, ...readTlsFiles(tlsFiles) }, forceCloseConnections: false };
  // One instance type whatever the protocol: handlers use what HTTP/1.1 and HTTP/2 requests share
  // (headers, addresses, the reply); the SSE writer, which writes raw frames, tells them apart.
  const app = (Fastify as unknown as (options: object) => FastifyInstance)({
    logger: false,
    bodyLimit: config.publish.maxBodyBytes,
    ...transportOptions,
    // Path parameters up to 256 characters (Fastify's default is 100): console topic names may have 128.
    routerOptions: { maxParamLength: 256 },
    return503OnClosing: true,
    // Seconds, not minutes: a socket dribbling its headers or body holds a descriptor meanwhile.
    // A stream's request is complete once its headers are in, so neither limit cuts a stream.
    requestTimeout: config.sockets.requestTimeoutMs,
    http: {
      headersTimeout: config.sockets.headersTimeoutMs,
      requestTimeout: config.sockets.requestTimeoutMs,
      // How often Node looks for sockets past these timeouts (its default is every 30 s).
      connectionsCheckingInterval: Math.min(1000, Math.ceil(config.sockets.headersTimeoutMs / 4)),
    },
    // Fastify's default handler answers malformed HTTP with a body of its own shape (and a listener
    // added to `server` runs after it, on a socket it already destroyed); this one answers ours.
    clientErrorHandler: (err: Error, socket: Socket) => {
      log.debug({ err: err.message }, 'client error');
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ECONNRESET' || socket.destroyed) return;
      if (socket.writable) {
        // The statuses Node and Fastify give these two are kept; only the body takes our shape.
        const [status, error] =
          code === 'HPE_HEADER_OVERFLOW'
            ? [
                '431 Request Header Fields Too Large',
                new LivegateError('payload_too_large', 'request headers too large'),
              ]
            : code === 'ERR_HTTP_REQUEST_TIMEOUT'
              ? ['408 Request Timeout', new LivegateError('idle_timeout', 'request not received in time')]
              : ['400 Bad Request', new LivegateError('invalid_body', 'malformed HTTP request')];
        socket.write(rawHttpResponse(httpErrorAnswer(error, config.limits.retryAfterSeconds), status));
      }
      socket.destroy();
    },
  });
  sockets.attach(app.server);
  installErrorHandling(app, config.limits.retryAfterSeconds, log);
  // Request bodies are JSON only: without Fastify's default text/plain parser every other type is
  // refused with 415 unsupported_media_type by the framework, for every route and source plugin.
  app.removeContentTypeParser('text/plain');
  installSecurityHeaders(app, tlsFiles !== null);
  installAccessControl(app, {
    gate,
    clientIp: (request) => clientIp.resolve(request.socket.remoteAddress, request.headers['x-forwarded-for']),
    writeLimiter: rate(config.limits.publishesPerSecond, 'limits.publishesPerSecond'),
  });
  instrumentEndpoints(app, metrics.registry, [
    ...(config.alerts.ingest ? [INGEST_ENDPOINT] : []),
    ...(config.alertmanagers.length > 0 ? [WEBHOOK_ENDPOINT] : []),
  ]);
  await app.register(cors, {
    origin: (origin, callback) => callback(null, origins.allows(origin)),
    methods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['Content-Type', 'Authorization', 'Last-Event-ID'],
    exposedHeaders: ['Retry-After'],
    maxAge: 600,
  });
  app.addHook('onRequest', (_request, reply, done) => {
    if (shuttingDown) void reply.header('connection', 'close');
    done();
  });

  const enabled = new Set(config.transports);
  const disabled = (name: string) => (): never => {
    throw new LivegateError('transport_disabled', `the ${name} transport is disabled on this server`);
  };
  app.get(
    '/api/v2/events/stream',
    enabled.has('sse') ? (request, reply) => handleSse(ctx, request, reply) : disabled('SSE'),
  );
  app.get(
    '/api/v2/events/poll',
    enabled.has('poll') ? (request, reply) => handlePoll(ctx, request, reply) : disabled('long-poll'),
  );
  registerPublishRoute(app, hub, config, metrics);
  registerConnectionRoutes(app, hub, nodeId);
  registerProbeRoutes(app, hub, health, metrics, {
    node: nodeId,
    version: VERSION,
    transports: config.transports,
    isShuttingDown: () => shuttingDown,
    requireSources: config.readyz.requireSources,
  });

  const streams = new SourceStreamFactory(ctx);
  const cluster = createClusterServices(leaseConfig, (err) => log.warn({ err }, 'cluster services error'));
  const contexts = new Map<Source, SourceContext>();
  for (const source of sources) {
    contexts.set(source, {
      publish: (drafts) => hub.publish(drafts, source.name),
      setHealth: (component, status, detail) => health.set(component, status, detail),
      log: log.child({ source: source.name }),
      clock: systemClock,
      streams,
      cluster,
      taskFailed,
    });
  }
  for (const source of sources) await registerSourceRoutes(app, source, contexts.get(source)!);
  // The dashboard's files are public: a browser loads the page before it has a token.
  await app.register(async (scope) => {
    tagRoutes(scope, 'public');
    await registerDashboard(scope);
  });
  for (const plugin of options.plugins ?? []) await plugin(app);

  const ws = new WebSocketTransport(
    ctx,
    sources.flatMap((s) => (s.subscribeExtension === undefined ? [] : [s.subscribeExtension])),
  );
  app.server.on('upgrade', (req, socket, head) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== WS_PATH) {
      rejectHandshake(
        socket,
        new LivegateError('not_found', `no WebSocket endpoint at ${path}`),
        config.limits.retryAfterSeconds,
      );
      return;
    }
    if (!enabled.has('ws')) {
      rejectHandshake(
        socket,
        new LivegateError('transport_disabled', 'the WebSocket transport is disabled on this server'),
        config.limits.retryAfterSeconds,
      );
      return;
    }
    ws.handleUpgrade(req, socket, head);
  });

  // Bus health is a stream of changes: each one reaches the `health` topic and `/readyz`.
  const reportBus = (bus: { ok: boolean; detail?: string }): void =>
    health.set('bus', bus.ok ? 'healthy' : 'unhealthy', bus.detail ?? hub.busKind);
  const stopBusHealth = hub.onBusHealth(reportBus);
  // Replays the bus's history into the window and the state topics before anything is served.
  await hub.start();
  reportBus(hub.busHealth());
  const started: Source[] = [];
  try {
    for (const source of sources) {
      await source.start(contexts.get(source)!);
      started.push(source);
    }
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    for (const source of started.reverse()) await source.stop().catch(() => {});
    await cluster.stop().catch(() => {});
    stopBusHealth();
    await hub.stop({ ...closeReasonFor('shutting_down', 'start-up failed'), wsCode: WS_CLOSE.internal });
    await app.close().catch(() => {});
    throw err;
  }
  // Accept errors (EMFILE, ENFILE: out of descriptors) are reported on the server: degrade, never exit.
  app.server.on('error', (err) => taskFailed('accept', err));
  const address = app.server.address() as AddressInfo;
  origins.listeningOn(address.port);
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const scheme = tlsFiles === null ? 'http' : 'https';
  const url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  // Every address it answers on, so an operator sees at once whether it is reachable from elsewhere.
  const urls = listenUrls(config.host, address.port, undefined, scheme);
  // A renewed certificate is read on SIGHUP, without a restart; open connections keep theirs.
  const stopTlsReload =
    tlsFiles === null ? () => {} : reloadTlsOnSighup(app.server as unknown as SecureContextTarget, tlsFiles, log);
  log.info(
    {
      url,
      host: config.host,
      urls,
      transports: config.transports,
      bus: hub.busKind,
      epoch: hub.epoch,
      version: VERSION,
    },
    'livegate listening',
  );
  // Said once, so an operator sees at start that reading is open (auth.mode none) and who may write.
  log.info({ auth: config.auth.mode }, `access: ${gate.describe()}`);

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      shuttingDown = true;
      stopTlsReload();
      log.info({ connections: hub.sessionCount }, 'shutting down');
      app.server.close();
      for (const source of [...sources].reverse()) {
        await source.stop().catch((err: unknown) => log.warn({ err, source: source.name }, 'source stop failed'));
      }
      await cluster.stop().catch((err: unknown) => log.warn({ err }, 'cluster services stop failed'));
      stopBusHealth();
      await hub.stop(closeReasonFor('shutting_down'));
      ws.close();
      await app.close();
      log.info('stopped');
    })());

  return { url, port: address.port, hub, config, app, metrics, health, stats, log, close };
}

/** The auth gate `config.auth` describes: token verification, publisher keys, protected writes. */
function authGateFromConfig(config: Config): AuthGate {
  const { auth } = config;
  const jwt =
    auth.mode === 'jwt'
      ? new JwtVerifier({
          secret: auth.jwt.secret,
          publicKeyFile: auth.jwt.publicKeyFile,
          jwksUrl: auth.jwt.jwksUrl,
          issuer: auth.jwt.issuer,
          audience: auth.jwt.audience,
          clockSkewSeconds: auth.jwt.clockSkewSeconds,
          maxTokenBytes: auth.jwt.maxTokenBytes,
          jwksCooldownMs: auth.jwt.jwksCooldownSeconds * 1000,
        })
      : undefined;
  return new AuthGate({
    mode: auth.mode,
    ...(jwt === undefined ? {} : { jwt }),
    claims: { claim: auth.jwt.claim, paths: auth.jwt.paths },
    publishKeys: new PublishKeys(auth.publishKeys),
    adminToken: auth.adminToken,
    writeAllowFrom: new AddressList(auth.writeAllowFrom),
  });
}
