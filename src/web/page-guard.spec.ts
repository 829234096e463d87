import { Controller, ExecutionContext, Get, Post } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ForbiddenError } from '@libs/errors';
import type { Principal } from '@libs/tenancy';
import { ModeratorPage, PageGuard, SignedInPage, SignInRequired } from './page-guard';

@Controller()
class Pages {
  @Get('mes-annonces')
  @SignedInPage()
  mine() {}

  @Post('projets/:id/image')
  @SignedInPage('/projets/:id')
  image() {}

  @Post('annonces/nouvelle')
  @SignedInPage()
  post() {}

  @Get('moderation')
  @ModeratorPage()
  queue() {}

  @Get()
  home() {}
}

const resident: Principal = { accountId: 'a', sessionId: 's', roles: ['resident'] };
const moderator: Principal = { accountId: 'm', sessionId: 's', roles: ['moderator'] };

function check(
  handler: keyof Pages,
  req: { method: string; url: string; params?: Record<string, string>; principal?: Principal },
) {
  const request = {
    method: req.method,
    url: req.url,
    params: req.params ?? {},
    ctx: { requestId: 'r', principal: req.principal },
  } as unknown as FastifyRequest;
  const context = {
    // The guard reads the handler's metadata and never calls it.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    getHandler: () => Pages.prototype[handler],
    getClass: () => Pages,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
  try {
    return new PageGuard(new Reflector()).canActivate(context);
  } catch (error) {
    return error;
  }
}

describe('page guards', () => {
  it('send a signed-out visitor to the sign-in page, back to this page (a GET) or to the path the page names', () => {
    expect(check('mine', { method: 'GET', url: '/mes-annonces?fait=close' })).toEqual(
      new SignInRequired('/mes-annonces?fait=close'),
    );
    expect((check('mine', { method: 'GET', url: '/mes-annonces?fait=close' }) as SignInRequired).back).toBe(
      '/mes-annonces?fait=close',
    );
    expect(
      (check('image', { method: 'POST', url: '/projets/p1/image', params: { id: 'p1' } }) as SignInRequired).back,
    ).toBe('/projets/p1');
    expect((check('post', { method: 'POST', url: '/annonces/nouvelle' }) as SignInRequired).back).toBe('/');
  });

  it('let the signed-in through, refuse a role they lack with the French 403, and leave open pages open', () => {
    expect(check('mine', { method: 'GET', url: '/mes-annonces', principal: resident })).toBe(true);
    expect(check('queue', { method: 'GET', url: '/moderation', principal: resident })).toEqual(
      new ForbiddenError('Cette page est réservée à l’équipe de modération de la commune.'),
    );
    expect(check('queue', { method: 'GET', url: '/moderation', principal: moderator })).toBe(true);
    expect(check('home', { method: 'GET', url: '/' })).toBe(true);
  });
});

const SRC = join(__dirname, '..');
const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) =>
    statSync(join(dir, name)).isDirectory()
      ? files(join(dir, name))
      : name.endsWith('.controller.ts')
        ? [join(dir, name)]
        : [],
  );
const pageControllers = files(SRC).filter((f) => /PageRenderer/.test(readFileSync(f, 'utf8')));

describe('page controllers', () => {
  // Signed-in and role checks are the guards' (@SignedInPage, @PageRoles); the error filter redirects.
  it('never look up the session by hand nor redirect to the sign-in page themselves', () => {
    const offenders = pageControllers.flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      return [/if \(!me\)/, /if \(!principal\)/, /\bsignedIn\(/, /\bwithRole\(/, /connexion\?retour/, /\.problem\./]
        .filter((pattern) => pattern.test(text))
        .map((pattern) => `${relative(SRC, file)}: ${pattern.source}`);
    });
    expect(pageControllers.length).toBeGreaterThan(10);
    expect(offenders).toEqual([]);
  });

  it('live with their area (src/<area>/pages), in files under 300 lines; src/web keeps the shared machinery', () => {
    const misplaced = pageControllers.map((f) => relative(SRC, f)).filter((path) => !/^[a-z-]+\/pages\//.test(path));
    expect(misplaced).toEqual([]);
    const long = pageControllers
      .filter((f) => readFileSync(f, 'utf8').split('\n').length > 300)
      .map((f) => relative(SRC, f));
    expect(long).toEqual([]);
  });
});
