-- The report rollups without a lock shared by every scan.
--
-- Until now a scan upserted some eight rows of `report_uses` (and ten of `report_passes`
-- on a pass's first use) inside its own transaction: every scan of a site on one day
-- wanted the same rows, so concurrent scans queued on their locks until each commit.
-- Now a pass or a use appends one row to an event table (no conflict, no shared row), and
-- `report_fold()` moves the events into the rollups in batches, in one transaction that
-- deletes them: at every snapshot each event is either pending or folded, never both nor
-- neither. The reports read the rollups plus the pending events (`report_passes_live`,
-- `report_uses_live`), so they stay exact whenever the folding runs.
--
-- One folder at a time (a transaction-scoped advisory lock): the servers fold every
-- second or so, `tbc check-reports` folds before it compares, and a rebuild holds
-- the folders off.

CREATE TABLE report_pass_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    day         date NOT NULL,
    ot_id       text NOT NULL,
    mode        text NOT NULL,
    method      text NOT NULL,
    confidence  text NOT NULL,
    stop        text NOT NULL,
    distance    text NOT NULL,
    persons     integer NOT NULL,
    passes      integer NOT NULL,
    used        integer NOT NULL,
    km_m        bigint NOT NULL,
    km_passes   integer NOT NULL
);

-- A use's OT is its site's at the time (read under the site's share lock): a site moved
-- later has its uses moved in the rollups from a recount (report_on_site_move), which
-- is exact whether the use is still pending or already folded.
CREATE TABLE report_use_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    day         date NOT NULL,
    ot_id       text NOT NULL,
    site_id     text NOT NULL,
    mode        text NOT NULL,
    method      text NOT NULL,
    stop        text NOT NULL,
    redemptions integer NOT NULL,
    persons     integer NOT NULL
);

-- Pending events as rollup rows (each in every dimension, daily and weekly).
CREATE VIEW report_passes_pending AS
SELECT d.dim, w.weekly, CASE WHEN w.weekly THEN report_monday(e.day) ELSE e.day END AS day, e.ot_id, d.key,
       e.mode, e.persons, e.passes, e.used, e.km_m, e.km_passes
FROM report_pass_events e,
     LATERAL (VALUES ('confidence', e.confidence), ('distance', e.distance), ('method', e.method),
                     ('mode', e.mode), ('stop', e.stop)) AS d (dim, key),
     (VALUES (false), (true)) AS w (weekly);

CREATE VIEW report_uses_pending AS
SELECT d.dim, w.weekly, CASE WHEN w.weekly THEN report_monday(e.day) ELSE e.day END AS day, e.ot_id, d.key,
       e.redemptions, e.persons
FROM report_use_events e,
     LATERAL (VALUES ('method', e.method), ('mode', e.mode), ('site', e.site_id), ('stop', e.stop)) AS d (dim, key),
     (VALUES (false), (true)) AS w (weekly);

-- What the reports read: rows to be summed by their key (a key may stand twice).
CREATE VIEW report_passes_live AS
SELECT * FROM report_passes UNION ALL SELECT * FROM report_passes_pending;

CREATE VIEW report_uses_live AS
SELECT * FROM report_uses UNION ALL SELECT * FROM report_uses_pending;

-- A pass counted (sign 1), taken away (-1), or only its "used" flag moved (sign 0).
CREATE OR REPLACE FUNCTION report_count_pass(p passes, sign integer, used_delta integer) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO report_pass_events (day, ot_id, mode, method, confidence, stop, distance, persons, passes, used,
                                    km_m, km_passes)
    VALUES (report_day(p.created_at), coalesce(p.ot_id, ''), p.mode, p.method, p.confidence,
            coalesce(p.arrival_stop_id, ''), report_distance_source(p.method, p.trip_km), p.persons, sign,
            used_delta, coalesce(round(p.trip_km * 1000)::bigint, 0) * sign, (p.trip_km IS NOT NULL)::integer * sign)
$$;

-- A use counted (sign 1) or taken away (-1). The site's row is share-locked, so a move of
-- the site to another OT waits for the use, or the use for the move. The pass's use
-- count follows under its row lock, so concurrent first uses of one pass at two sites
-- count it used once.
CREATE OR REPLACE FUNCTION report_count_use(r redemptions, sign integer) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO report_use_events (day, ot_id, site_id, mode, method, stop, redemptions, persons)
    SELECT report_day(r.redeemed_at), s.ot_id, r.site_id, p.mode, p.method, coalesce(p.arrival_stop_id, ''),
           sign, r.persons * sign
    FROM (SELECT ot_id FROM sites WHERE id = r.site_id FOR SHARE) s, passes p
    WHERE p.id = r.pass_id;
    UPDATE passes SET uses = uses + sign WHERE id = r.pass_id;
$$;

-- The key of the folders' advisory lock ('tbcfold').
CREATE FUNCTION report_fold_lock() RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT 7160334846266467428 $$;

-- Move up to `batch` events of each kind into the rollups; the number moved. `wait`
-- false: give up at once (0) when another folder is at work.
CREATE FUNCTION report_fold(batch integer DEFAULT 50000, wait boolean DEFAULT true) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    passes_folded integer;
    uses_folded integer;
BEGIN
    IF wait THEN
        PERFORM pg_advisory_xact_lock(report_fold_lock());
    ELSIF NOT pg_try_advisory_xact_lock(report_fold_lock()) THEN
        RETURN 0;
    END IF;
    WITH taken AS (
        DELETE FROM report_pass_events
        WHERE id IN (SELECT id FROM report_pass_events ORDER BY id LIMIT batch)
        RETURNING *
    ), folded AS (
        INSERT INTO report_passes AS t (dim, weekly, day, ot_id, key, mode, persons, passes, used, km_m, km_passes)
        SELECT d.dim, w.weekly, CASE WHEN w.weekly THEN report_monday(e.day) ELSE e.day END, e.ot_id, d.key,
               e.mode, e.persons, sum(e.passes), sum(e.used), sum(e.km_m), sum(e.km_passes)
        FROM taken e,
             LATERAL (VALUES ('confidence', e.confidence), ('distance', e.distance), ('method', e.method),
                             ('mode', e.mode), ('stop', e.stop)) AS d (dim, key),
             (VALUES (false), (true)) AS w (weekly)
        GROUP BY 1, 2, 3, 4, 5, 6, 7
        ORDER BY 1, 2, 3, 4, 5, 6, 7
        ON CONFLICT (dim, weekly, day, ot_id, key, mode, persons) DO UPDATE
            SET passes = t.passes + EXCLUDED.passes, used = t.used + EXCLUDED.used,
                km_m = t.km_m + EXCLUDED.km_m, km_passes = t.km_passes + EXCLUDED.km_passes
    )
    SELECT count(*) INTO passes_folded FROM taken;
    WITH taken AS (
        DELETE FROM report_use_events
        WHERE id IN (SELECT id FROM report_use_events ORDER BY id LIMIT batch)
        RETURNING *
    ), folded AS (
        INSERT INTO report_uses AS t (dim, weekly, day, ot_id, key, redemptions, persons)
        SELECT d.dim, w.weekly, CASE WHEN w.weekly THEN report_monday(e.day) ELSE e.day END, e.ot_id, d.key,
               sum(e.redemptions), sum(e.persons)
        FROM taken e,
             LATERAL (VALUES ('method', e.method), ('mode', e.mode), ('site', e.site_id),
                             ('stop', e.stop)) AS d (dim, key),
             (VALUES (false), (true)) AS w (weekly)
        GROUP BY 1, 2, 3, 4, 5
        ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (dim, weekly, day, ot_id, key) DO UPDATE
            SET redemptions = t.redemptions + EXCLUDED.redemptions, persons = t.persons + EXCLUDED.persons
    )
    SELECT count(*) INTO uses_folded FROM taken;
    RETURN passes_folded + uses_folded;
END
$$;

-- Reload everything from the raw tables, writers and folders held off meanwhile: the
-- pending events go, the rollups are recounted (010's reload, renamed).
ALTER FUNCTION report_rebuild() RENAME TO report_reload_rollups;

CREATE FUNCTION report_rebuild() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE passes, redemptions IN SHARE ROW EXCLUSIVE MODE;
    PERFORM pg_advisory_xact_lock(report_fold_lock());
    DELETE FROM report_pass_events;
    DELETE FROM report_use_events;
    PERFORM report_reload_rollups();
END
$$;
