-- The search bench's nearest-first searches timed inside PostgreSQL, one server process, no client: what a change to
-- the SQL or to the table's layout does, without the machine's swing between the sizes' runs (docs/PERFORMANCE.md).
-- On a database seeded by bench/support/search-seed.ts (seedSearchData), as a superuser:
--   psql -d DB -f bench/support/in-server-search.sql
--   psql -d DB -c "SET ROLE entraide_app; SELECT * FROM bench_nearest_loop(2, true)"   -- µs a search, rows in radius
--   psql -d DB -c "SET ROLE entraide_app; SELECT * FROM bench_nearest_buffers(true)"   -- buffers a search reads
-- (`false`: without a category). Run each a few times: the quietest loops are the figure. Drop the three objects (or
-- the database) after.
DROP TABLE IF EXISTS bench_points;
-- Every open tenant × enabled category × neighbourhood centre, in a fixed random order.
CREATE TABLE bench_points AS
  SELECT row_number() OVER () AS i, t.id AS tenant_id, tc.category_id,
         ST_X(ST_Centroid(n.outline::geometry)) AS lng, ST_Y(ST_Centroid(n.outline::geometry)) AS lat
  FROM tenants t JOIN tenant_categories tc ON tc.tenant_id = t.id AND tc.enabled
  JOIN neighbourhoods n ON n.tenant_id = t.id
  WHERE t.status = 'open' ORDER BY random();
GRANT SELECT ON bench_points TO PUBLIC;

-- app_nearest_listings for each point, `reps` times, the tenant reset between calls as a new transaction would.
CREATE OR REPLACE FUNCTION bench_nearest_loop(reps int, by_category bool)
  RETURNS TABLE (us_per_search float8, rows_in_radius float8) LANGUAGE plpgsql AS $$
DECLARE p record; t0 timestamptz; found bigint := 0; calls bigint := 0; m int;
BEGIN
  t0 := clock_timestamp();
  FOR r IN 1..reps LOOP
    FOR p IN SELECT * FROM bench_points ORDER BY i LOOP
      PERFORM set_config('app.tenant_id', '', true);
      SELECT count(*) INTO m FROM app_nearest_listings(p.tenant_id, CASE WHEN by_category THEN p.category_id END,
        NULL, ARRAY['offer', 'request'], p.lng, p.lat, 0, 2000, 25) x WHERE x."inRadius";
      found := found + m;
      calls := calls + 1;
    END LOOP;
  END LOOP;
  RETURN QUERY SELECT (extract(epoch FROM clock_timestamp() - t0) * 1e6 / calls)::float8, found::float8 / calls;
END $$;

-- Buffers read by those searches (each point once): the table's and its KNN index's, per search.
CREATE OR REPLACE FUNCTION bench_nearest_buffers(by_category bool)
  RETURNS TABLE (heap_per_search float8, knn_index_per_search float8) LANGUAGE plpgsql AS $$
DECLARE p record; calls bigint := 0; m int;
BEGIN
  FOR p IN SELECT * FROM bench_points ORDER BY i LOOP
    PERFORM set_config('app.tenant_id', '', true);
    SELECT count(*) INTO m FROM app_nearest_listings(p.tenant_id, CASE WHEN by_category THEN p.category_id END, NULL,
      ARRAY['offer', 'request'], p.lng, p.lat, 0, 2000, 25) x;
    calls := calls + 1;
  END LOOP;
  RETURN QUERY SELECT pg_stat_get_xact_blocks_fetched('listings'::regclass)::float8 / calls,
    pg_stat_get_xact_blocks_fetched(CASE WHEN by_category THEN 'listings_public_category_geo'::regclass
      ELSE 'listings_public_geo'::regclass END)::float8 / calls;
END $$;
