import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { execute, rows, TenantTx } from '@libs/db';
import { InvalidError, MalformedError } from '@libs/errors';
import { IdempotencyKey } from './entities/idempotency-key.entity';

/** The header that makes a creation safe to retry (draft-ietf-httpapi-idempotency-key-header). */
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
/** The header as the OpenAPI document describes it, on every route that honours it. */
export const IDEMPOTENCY_HEADER_DOC = {
  name: IDEMPOTENCY_HEADER,
  required: false,
  description:
    'Une clé choisie par le client (un UUID par exemple, 1 à 255 caractères ASCII visibles). La même clé renvoyée ' +
    'par le même auteur dans les 24 heures ' +
    'donne la même réponse (même annonce, même statut) sans publier une seconde fois ; la même clé avec une ' +
    'requête différente donne 422.',
};

/** Visible ASCII, as the header's value is sent (a UUID is the usual choice). */
const KEY = /^[\x21-\x7e]{1,255}$/;

/** A request that may come again: its key, its author, and a fingerprint of what it asks. */
export interface IdempotentRequest {
  key: string;
  authorId: string;
  requestHash: string;
}

/** The first answer given to a key. */
export interface StoredAnswer {
  status: number;
  body: Record<string, unknown>;
}

/**
 * `Idempotency-Key` of a creation: undefined without a key; a 400 naming the header when
 * the value is not 1–255 visible ASCII characters. The fingerprint is of the validated
 * request, so the same body sent again matches whatever its key order.
 */
export function idempotentRequest(raw: unknown, authorId: string, request: unknown): IdempotentRequest | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw !== 'string' || !KEY.test(raw)) {
    throw new MalformedError('En-tête Idempotency-Key invalide.', [
      { field: IDEMPOTENCY_HEADER, message: 'de 1 à 255 caractères ASCII visibles (un UUID, par exemple)' },
    ]);
  }
  return { key: raw, authorId, requestHash: createHash('sha256').update(canonicalJson(request)).digest('hex') };
}

/** JSON with object keys sorted, so two equal requests hash alike. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/**
 * Keys and their first answers (table idempotency_keys, primary key tenant, author, key).
 * Used inside the transaction that creates the resource: the key's row is inserted first, so
 * a concurrent request with the same key waits on it, then finds the answer once committed;
 * if the creation fails, the key goes with it and a retry runs afresh.
 */
@Injectable()
export class IdempotencyRepository {
  /**
   * Claims the key for this request, or answers what the key answered before. A key used for
   * a different request is a 422 naming the header. Expired keys (24 h) are forgotten here,
   * the caller's own first, so the table stays small without a job of its own.
   */
  async claim(tx: TenantTx, req: IdempotentRequest): Promise<StoredAnswer | undefined> {
    await execute(tx, `DELETE FROM idempotency_keys WHERE tenant_id = $1 AND account_id = $2 AND expires_at <= now()`, [
      tx.tenantId,
      req.authorId,
    ]);
    const claimed = await rows<{ key: string }>(
      tx,
      `INSERT INTO idempotency_keys (tenant_id, account_id, key, request_hash, status, response) VALUES ($1, $2, $3,
        $4, 0, '{}')
       ON CONFLICT DO NOTHING RETURNING key`,
      [tx.tenantId, req.authorId, req.key, req.requestHash],
    );
    if (claimed.length) return undefined;
    const [prior] = await rows<{ requestHash: string; status: number; response: Record<string, unknown> }>(
      tx,
      `SELECT request_hash AS "requestHash", status, response FROM idempotency_keys WHERE tenant_id = $1 AND ` +
        `account_id = $2 AND key = $3`,
      [tx.tenantId, req.authorId, req.key],
    );
    if (!prior || prior.requestHash !== req.requestHash) {
      throw new InvalidError(
        [
          {
            field: IDEMPOTENCY_HEADER,
            message:
              'cette clé a déjà servi pour une autre requête : utilisez une nouvelle clé pour une nouvelle annonce',
          },
        ],
        'La clé Idempotency-Key a déjà servi pour une requête différente.',
      );
    }
    return { status: prior.status, body: prior.response };
  }

  /** The answer to give again for this key. */
  async complete(tx: TenantTx, req: IdempotentRequest, answer: StoredAnswer): Promise<void> {
    await execute(
      tx,
      `UPDATE idempotency_keys SET status = $4, response = $5 WHERE tenant_id = $1 AND account_id = $2 AND key = $3`,
      [tx.tenantId, req.authorId, req.key, answer.status, JSON.stringify(answer.body)],
    );
  }

  /** An erased account's keys (their answers hold its listings' text). */
  async eraseFor(tx: TenantTx, accountId: string): Promise<void> {
    await tx.delete(IdempotencyKey, { tenantId: tx.tenantId, accountId });
  }
}
