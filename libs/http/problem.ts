/**
 * RFC 9457 problem details: the one error format of the API. `detail` is French because
 * pages show it; `errors` names each offending field.
 */
import type { FieldError } from '@libs/errors';

export type { FieldError };

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: FieldError[];
  instance?: string;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

const TITLES: Record<number, string> = {
  400: 'Requête invalide',
  401: 'Authentification requise',
  403: 'Accès refusé',
  404: 'Introuvable',
  405: 'Méthode non autorisée',
  409: 'Conflit',
  413: 'Contenu trop volumineux',
  414: 'Adresse trop longue',
  415: 'Type de contenu non pris en charge',
  422: 'Données invalides',
  429: 'Trop de requêtes',
  500: 'Erreur interne',
  503: 'Service indisponible',
};

export function problem(status: number, detail?: string, errors?: FieldError[], type?: string): Problem {
  const p: Problem = { type: type ?? 'about:blank', title: TITLES[status] ?? 'Erreur', status };
  if (detail) p.detail = detail;
  if (errors?.length) p.errors = errors;
  return p;
}

/**
 * An HTTP answer decided at the edge (request hooks, input guards); the filter sends it as is.
 * Code below the controllers throws the domain errors of libs/errors instead.
 */
export class ProblemException extends Error {
  constructor(
    readonly problem: Problem,
    readonly headers: Record<string, string> = {},
  ) {
    super(problem.detail ?? problem.title);
  }
}
