import { Injectable } from '@nestjs/common';
import { rows, type TenantTx } from '@libs/db';

export interface MonthlyRow {
  month: string;
  categorySlug: string;
  categoryName: string;
  offers: number;
  requests: number;
  conversations: number;
  fulfilled: number;
}

/**
 * The public figures of one tenant, by month (Europe/Paris) and category: listings published
 * (by the month they were posted), conversations started ("mises en relation") and helps given
 * ("entraides réalisées", by the month they were marked). Raw counts: suppression is the service's.
 */
@Injectable()
export class StatsRepository {
  monthly(tx: TenantTx, since: Date): Promise<MonthlyRow[]> {
    return rows<MonthlyRow>(
      tx,
      `SELECT to_char(date_trunc('month', x.at AT TIME ZONE 'Europe/Paris'), 'YYYY-MM') AS month, c.slug AS
        "categorySlug", c.name AS "categoryName",
              count(*) FILTER (WHERE x.what = 'offer')::int AS offers,
              count(*) FILTER (WHERE x.what = 'request')::int AS requests,
              count(*) FILTER (WHERE x.what = 'conversation')::int AS conversations,
              count(*) FILTER (WHERE x.what = 'fulfilled')::int AS fulfilled
       FROM (
         SELECT created_at AS at, category_id, kind AS what FROM listings WHERE tenant_id = $1 AND published_at IS NOT
           NULL AND created_at >= $2
         UNION ALL
         SELECT cv.created_at, l.category_id, 'conversation' FROM conversations cv JOIN listings l ON l.tenant_id =
           cv.tenant_id AND l.id = cv.listing_id
         WHERE cv.tenant_id = $1 AND cv.created_at >= $2
         UNION ALL
         SELECT fulfilled_at, category_id, 'fulfilled' FROM listings WHERE tenant_id = $1 AND fulfilled_at >= $2
       ) x JOIN categories c ON c.id = x.category_id
       GROUP BY 1, c.slug, c.name ORDER BY 1, c.slug`,
      [tx.tenantId, since],
    );
  }
}
