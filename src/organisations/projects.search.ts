import { rows, type TenantTx } from '@libs/db';
import { LatLng, pointSql } from '@libs/geo';
import { Box, boxWithinTenantAreaSql } from '@libs/geo/box';
import { PROJECT_COLUMNS, PROJECT_JOINS, PROJECT_PUBLIC, ProjectRow } from './organisations.repository';

/**
 * The SQL of public project search, in one place. Projects are few per commune (tens to a
 * few hundreds), so every shape reads the tenant's public projects through
 * projects_public_recent (newest first) or projects_public_geo (KNN, nearest first); text
 * and box conditions filter those rows. Distances are measured on the public point only.
 */
export interface ProjectFilters {
  organisationId?: string;
  categoryId?: string;
  neighbourhoodId?: string;
  q?: string;
  near?: LatLng;
  radiusM?: number;
}

export type ProjectCursor = { o: 'distance'; d: number; id: string } | { o: 'recent'; t: string; id: string };

export function searchProjects(
  tx: TenantTx,
  f: ProjectFilters,
  cursor: ProjectCursor | undefined,
  limit: number,
): Promise<ProjectRow[]> {
  const params: unknown[] = [tx.tenantId];
  const p = (v: unknown) => `$${params.push(v)}`;
  const where = [`p.tenant_id = $1`, PROJECT_PUBLIC];
  if (f.organisationId) where.push(`p.organisation_id = ${p(f.organisationId)}`);
  if (f.categoryId) where.push(`p.category_id = ${p(f.categoryId)}`);
  if (f.neighbourhoodId) where.push(`p.neighbourhood_id = ${p(f.neighbourhoodId)}`);
  if (f.q)
    where.push(
      `(p.search @@ websearch_to_tsquery('french_unaccent', ${p(f.q)}) OR immutable_unaccent(lower(o.name)) LIKE ` +
        `'%' || immutable_unaccent(lower($${params.length})) || '%')`,
    );
  if (f.near) {
    const distance = `(p.public_location <-> ${pointSql(p(f.near.lng), p(f.near.lat))})`;
    // The radius on the distance the results are ordered and labelled by, as for listings (listings.search.ts).
    if (f.radiusM) where.push(`${distance} <= ${p(f.radiusM)}`);
    if (cursor?.o === 'distance') where.push(`(${distance}, p.id) > (${p(cursor.d)}::float8, ${p(cursor.id)}::uuid)`);
    return rows<ProjectRow>(
      tx,
      `SELECT ${PROJECT_COLUMNS}, ${distance} AS "sortDistance" FROM projects p ${PROJECT_JOINS}
       WHERE ${where.join(' AND ')} ORDER BY ${distance}, p.id LIMIT ${p(limit)}`,
      params,
    );
  }
  if (cursor?.o === 'recent') where.push(`(p.created_at, p.id) < (${p(cursor.t)}::timestamptz, ${p(cursor.id)}::uuid)`);
  return rows<ProjectRow>(
    tx,
    `SELECT ${PROJECT_COLUMNS}, p.created_at::text AS "sortTime" FROM projects p ${PROJECT_JOINS}
     WHERE ${where.join(' AND ')} ORDER BY p.created_at DESC, p.id DESC LIMIT ${p(limit)}`,
    params,
  );
}

/** A project on the map. */
export interface ProjectPoint {
  id: string;
  title: string;
  category: string;
  neighbourhood: string | null;
  lng: number;
  lat: number;
}

/** The map: public project points in a bounding box (cut to the tenant's area). */
export function projectsInBox(
  tx: TenantTx,
  box: Box,
  f: { categoryId?: string },
  cap: number,
): Promise<ProjectPoint[]> {
  const params: unknown[] = [tx.tenantId, ...box];
  const within = boxWithinTenantAreaSql('$1', '$2', '$3', '$4', '$5');
  const where = [
    `p.tenant_id = $1`,
    PROJECT_PUBLIC,
    `p.public_location && (SELECT ST_MakeEnvelope(b.min_lng, b.min_lat, b.max_lng, b.max_lat, 4326)::geography ` +
      `FROM (${within}) b)`,
  ];
  if (f.categoryId) where.push(`p.category_id = $${params.push(f.categoryId)}`);
  return rows<ProjectPoint>(
    tx,
    `SELECT p.id, p.title, c.slug AS category, n.name AS neighbourhood, ST_X(p.public_location::geometry) AS lng,
      ST_Y(p.public_location::geometry) AS lat
     FROM projects p ${PROJECT_JOINS}
     WHERE ${where.join(' AND ')} ORDER BY p.created_at DESC LIMIT $${params.push(cap)}`,
    params,
  );
}
