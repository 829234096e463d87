/**
 * Which way imports may run (`npm run deps:check`, run by `npm test`). A module is a folder of
 * src/; what others may import of it is its public surface: `*.module.ts`, `*.service.ts`,
 * `*.jobs.ts`, its DTOs, and the few files listed in PUBLIC below. Its repositories, SQL and
 * processors are its own: another module asks its services.
 */

/** Files of a module that other modules may import, beyond modules, services, jobs and DTOs. */
const PUBLIC = [
  // Route decorators, the session cookie's name, the RGPD registry every module joins, the roles.
  '^src/accounts/(auth\\.decorators|session-cookie|account-data\\.registry|public-name|roles)\\.ts$',
  // The tenant file's schema: the settings' types.
  '^src/tenants/tenant-file\\.schema\\.ts$',
  // Registries other modules join: an alert source (and its interface), a send-time condition of the outbox.
  '^src/alerts/(alert-source|alert-sources|distance-label)\\.ts$',
  '^src/notifications/send-conditions\\.ts$',
  // The site's page kit, which every module's page controllers use (one way to produce HTML).
  '^src/web/(forms|page-context|page-renderer|page-response|page-guard|page-models|map-assets|chart|multipart|theme|templates)\\.ts$',
  // The posting form, which the town-hall team's pages also offer (for a relayed resident).
  '^src/listings/pages/listing-form\\.ts$',
  // The one-message pages (confirmations, spent links) every area sends.
  '^src/web/message-pages\\.ts$',
  // The columns listings and projects share as moderated publications (their entities extend them).
  '^src/moderation/entities/moderated-publication\\.columns\\.ts$',
];

const SPEC = '\\.(spec|e2e)\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Imports run one way; a cycle (types included) means a file belongs elsewhere.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'libs-stay-generic',
      severity: 'error',
      comment:
        'libs/ is what any application of this kind needs: it never imports the application, its tests or tools.',
      from: { path: '^libs/' },
      to: { path: '^(src|dev|test|bench|migrations|scripts)/' },
    },
    {
      name: 'src-not-to-tests-or-benches',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'production-not-to-development',
      severity: 'error',
      comment: 'The demo seed and the development inbox are not part of the production build.',
      from: { path: '^(src|libs)/', pathNot: SPEC },
      to: { path: '^(dev|src/demo|src/dev)/' },
    },
    {
      name: 'module-internals',
      severity: 'error',
      comment:
        "A module imports another's module, services, jobs, DTOs or listed public files, never its repository or other internals.",
      // Unit specs may borrow another module's fixtures (the tenant files, say); test/ is not checked either.
      from: { path: '^src/([^/]+)/', pathNot: SPEC },
      to: {
        path: '^src/[^/]+/',
        pathNot: ['^src/$1/', '^src/[^/]+/[^/]+\\.(module|service|jobs|dto)\\.ts$', '^src/[^/]+/dto/', ...PUBLIC],
      },
    },
  ],
  options: {
    // `depcruise .` (npm run deps:check): everything of ours, whichever of these folders exist.
    includeOnly: '^(src|libs|dev|test|bench|migrations|scripts)/',
    exclude: { path: '^(node_modules|dist)/' },
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a cycle of types still ties two files together.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    combinedDependencies: false,
  },
};
