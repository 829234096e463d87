import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { toProblem } from '@libs/http';
import {
  ConflictError,
  ForbiddenError,
  InvalidError,
  MalformedError,
  NotFoundError,
  TooManyRequestsError,
  UnauthenticatedError,
} from './domain-errors';

const ROOT = join(__dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

describe('domain errors', () => {
  it('each becomes the problem+json the API has always answered', () => {
    expect(toProblem(new NotFoundError('Cette annonce est introuvable.')).body).toEqual({
      type: 'about:blank',
      title: 'Introuvable',
      status: 404,
      detail: 'Cette annonce est introuvable.',
    });
    expect(toProblem(new UnauthenticatedError()).body).toMatchObject({
      status: 401,
      title: 'Authentification requise',
      detail: 'Veuillez vous connecter.',
    });
    expect(toProblem(new ForbiddenError('Compte suspendu.', 'urn:entraide:account-banned')).body).toEqual({
      type: 'urn:entraide:account-banned',
      title: 'Accès refusé',
      status: 403,
      detail: 'Compte suspendu.',
    });
    expect(
      toProblem(new ConflictError('Déjà utilisé.', [{ field: 'slug', message: 'déjà utilisé' }])).body,
    ).toMatchObject({ status: 409, title: 'Conflit', errors: [{ field: 'slug', message: 'déjà utilisé' }] });
    expect(toProblem(new InvalidError([{ field: 'title', message: 'trop court' }])).body).toEqual({
      type: 'about:blank',
      title: 'Données invalides',
      status: 422,
      detail: 'Certaines données sont invalides.',
      errors: [{ field: 'title', message: 'trop court' }],
    });
    expect(
      toProblem(new MalformedError('En-tête invalide.', [{ field: 'idempotency-key', message: 'illisible' }])).body,
    ).toMatchObject({ status: 400, title: 'Requête invalide' });
    const tooMany = toProblem(new TooManyRequestsError('Trop de tentatives. Réessayez dans 30 secondes.', 30));
    expect(tooMany.body).toMatchObject({ status: 429, title: 'Trop de requêtes' });
    expect(tooMany.headers).toEqual({ 'retry-after': '30' });
  });

  // Services, repositories and libs speak of the domain; only the HTTP edge knows problem+json.
  it('leaves ProblemException and HTTP statuses to the edge (libs/http, app.factory)', () => {
    const offenders: string[] = [];
    for (const file of ['src', 'libs', 'dev'].flatMap((dir) =>
      existsSync(join(ROOT, dir)) ? sources(join(ROOT, dir)) : [],
    )) {
      const path = relative(ROOT, file);
      const text = readFileSync(file, 'utf8');
      if (path.startsWith('libs/http/') || path === 'src/app.factory.ts') continue;
      if (/\bProblemException\b/.test(text)) offenders.push(`${path}: ProblemException`);
      if (/\.problem\.(status|detail|errors)\b/.test(text))
        offenders.push(`${path}: reads problem.status/detail/errors`);
      if (/from '[./]+\/libs\/http'/.test(text) && /\bproblem\(/.test(text) && /\.(service|repository)\.ts$/.test(path))
        offenders.push(`${path}: builds a problem`);
    }
    expect(offenders).toEqual([]);
  });
});
