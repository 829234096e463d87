import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import fastifyCookie from '@fastify/cookie';
import { LogController } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { DestinationStream } from 'pino';
import { AppConfig } from '../libs/config';
import { createValidationPipe, problem, sendProblem } from '../libs/http';
import { createLogger, PinoNestLogger } from '../libs/logging';
import { RequestContext, runWithContext } from '../libs/tenancy';
import { mountQueueDashboard } from './admin/queue-dashboard';
import { AppModule } from './app.module';
import { TenantDirectory } from './tenants/tenant-directory.service';
import { allowTileOrigin } from './web/page-response';
import { SiteErrorFilter } from './web/site-error.filter';

declare module 'fastify' {
  interface FastifyRequest {
    ctx: RequestContext;
  }
}

/** Paths served on any host (probes from load balancers know no tenant). */
const PLATFORM_PATHS = /^\/health(\/|$)/;
const REQUEST_ID = /^[\w.-]{1,64}$/;

/** One log line per request, written on completion, when the tenant is known. */
class CompletionOnlyLogs extends LogController {
  override incomingRequest(): void {}
}

/** Builds the HTTP application exactly as production runs it; tests use the same function. */
export async function createApp(config: AppConfig, opts: { logDestination?: DestinationStream } = {}): Promise<NestFastifyApplication> {
  const logger = createLogger(config.logLevel, 'entraide', opts.logDestination);
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    logController: new CompletionOnlyLogs(),
    bodyLimit: 256 * 1024,
    // A client that trickles its request is answered 408 and its socket freed (Node's defaults wait 300 s, or for ever per byte).
    requestTimeout: config.http.requestTimeoutMs,
    keepAliveTimeout: config.http.keepAliveTimeoutMs,
    connectionTimeout: config.http.idleTimeoutMs,
    http: {
      headersTimeout: config.http.headersTimeoutMs,
      // Node checks the two timeouts above only this often (30 s by default), so a short timeout needs a short check.
      connectionsCheckingInterval: Math.min(5000, Math.ceil(config.http.headersTimeoutMs / 2)),
    },
    // Signed links carry two ids and a MAC in one path segment (/outcome/:token, 106 characters).
    routerOptions: { maxParamLength: 200 },
    trustProxy: config.trustProxy,
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: new PinoNestLogger(logger.child({ context: 'nest' })),
    bufferLogs: false,
  });
  app.enableShutdownHooks();
  await app.register(fastifyCookie);
  // Pages get French error pages in their tenant's branding; everything else problem+json.
  app.useGlobalFilters(app.get(SiteErrorFilter));
  allowTileOrigin(config.mapTileUrl);
  app.useGlobalPipes(createValidationPipe());

  const directory = app.get(TenantDirectory);
  const fastify = app.getHttpAdapter().getInstance();
  // The tenant comes from the Host header only; an unknown host is a 404, never a default tenant.
  fastify.addHook('onRequest', (req, reply, done) => {
    const tenant = directory.resolve(req.headers.host);
    req.ctx = { requestId: String(req.id), tenant };
    reply.header('x-request-id', String(req.id));
    if (!tenant && !PLATFORM_PATHS.test(req.url)) {
      sendProblem(reply, problem(404, "Aucun site d'entraide n'est servi à cette adresse."));
      return;
    }
    runWithContext(req.ctx, done);
  });
  // Body parsing resumes on the socket's async context; re-enter the request's before the handler.
  fastify.addHook('preHandler', (req, _reply, done) => runWithContext(req.ctx, done));

  await mountQueueDashboard(app, config);

  const openapi = new DocumentBuilder()
    .setTitle('Entraide API')
    .setDescription("API des sites d'entraide entre voisins : le site est choisi par l'en-tête Host.")
    .setVersion('1')
    .build();
  SwaggerModule.setup('api/docs', app, () => SwaggerModule.createDocument(app, openapi), {
    jsonDocumentUrl: 'api/openapi.json',
    yamlDocumentUrl: 'api/openapi.yaml',
    customSiteTitle: 'Entraide API',
  });
  return app;
}
