-- A partner site's own figures (issue 23): its uses by arrival mode and by proof method,
-- from the rollups like the OT reports. Two more dimensions of report_uses, keyed
-- '<site id>:<mode>' and '<site id>:<method>' (site ids and names have no colon), and one
-- list of a use's dimensions, `report_use_dims`, that every writer and reader of the use
-- rollups now shares: the raw recount (by site, `report_site_uses_raw`, then by OT), the
-- pending events, the fold, and a site's move (its raw rows, from one OT to the other).

-- What is pending is folded first, by the fold it was written for.
DO $$ BEGIN WHILE report_fold(100000, true) > 0 LOOP END LOOP; END $$;

CREATE FUNCTION report_use_dims(site_id text, mode text, method text, stop text)
RETURNS TABLE (dim text, key text)
LANGUAGE sql IMMUTABLE AS $$
    VALUES ('method', method), ('mode', mode), ('site', site_id), ('stop', stop),
           ('site_method', site_id || ':' || method), ('site_mode', site_id || ':' || mode)
$$;

ALTER TABLE report_uses DROP CONSTRAINT report_uses_dim_check;
ALTER TABLE report_uses ADD CONSTRAINT report_uses_dim_check
    CHECK (dim IN ('site', 'mode', 'method', 'stop', 'site_mode', 'site_method'));

-- The raw recount of one site's uses, before they are grouped by the OT the site is in:
-- the raw view sums it by OT, a site's move takes its rows from one OT to the other.
CREATE VIEW report_site_uses_raw AS
SELECT r.site_id, d.dim, w.weekly, CASE WHEN w.weekly THEN report_monday(x.day) ELSE x.day END AS day, d.key,
       count(*)::integer AS redemptions, sum(r.persons)::integer AS persons
FROM report_settings rs, redemptions r
JOIN passes p ON p.id = r.pass_id,
     LATERAL (SELECT (r.redeemed_at AT TIME ZONE rs.timezone)::date AS day) x,
     LATERAL report_use_dims(r.site_id, p.mode, p.method, coalesce(p.arrival_stop_id, '')) AS d,
     (VALUES (false), (true)) AS w (weekly)
GROUP BY 1, 2, 3, 4, 5;

CREATE OR REPLACE VIEW report_uses_raw AS
SELECT u.dim, u.weekly, u.day, s.ot_id, u.key, sum(u.redemptions)::integer AS redemptions,
       sum(u.persons)::integer AS persons
FROM report_site_uses_raw u JOIN sites s ON s.id = u.site_id
GROUP BY 1, 2, 3, 4, 5;

CREATE OR REPLACE VIEW report_uses_pending AS
SELECT d.dim, w.weekly, CASE WHEN w.weekly THEN report_monday(e.day) ELSE e.day END AS day, e.ot_id, d.key,
       e.redemptions, e.persons
FROM report_use_events e,
     LATERAL report_use_dims(e.site_id, e.mode, e.method, e.stop) AS d,
     (VALUES (false), (true)) AS w (weekly);

CREATE OR REPLACE FUNCTION report_on_site_move() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT report_rollup_paused() THEN
        INSERT INTO report_uses AS t (dim, weekly, day, ot_id, key, redemptions, persons)
        SELECT u.dim, u.weekly, u.day, o.ot_id, u.key, o.sign * u.redemptions, o.sign * u.persons
        FROM report_site_uses_raw u, (VALUES (OLD.ot_id, -1), (NEW.ot_id, 1)) AS o (ot_id, sign)
        WHERE u.site_id = NEW.id
        ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (dim, weekly, day, ot_id, key) DO UPDATE
            SET redemptions = t.redemptions + EXCLUDED.redemptions, persons = t.persons + EXCLUDED.persons;
    END IF;
    RETURN NULL;
END
$$;

-- The fold in two halves, each its own statement under the folder's lock: the passes' as
-- sql/018 wrote it, the uses' in every dimension of report_use_dims.
CREATE FUNCTION report_fold_passes(batch integer) RETURNS integer
LANGUAGE sql AS $$
    WITH taken AS (
        DELETE FROM report_pass_events WHERE id IN (SELECT id FROM report_pass_events ORDER BY id LIMIT batch)
        RETURNING *
    ), folded AS (
        INSERT INTO report_passes AS t (dim, weekly, day, ot_id, key, mode, persons, passes, used, km_m, km_passes)
        SELECT d.dim, w.weekly, CASE WHEN w.weekly THEN report_monday(e.day) ELSE e.day END, e.ot_id, d.key, e.mode,
               e.persons, sum(e.passes), sum(e.used), sum(e.km_m), sum(e.km_passes)
        FROM taken e, (VALUES (false), (true)) AS w (weekly),
             LATERAL (VALUES ('confidence', e.confidence), ('distance', e.distance), ('method', e.method),
                             ('mode', e.mode), ('stop', e.stop)) AS d (dim, key)
        GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7
        ON CONFLICT (dim, weekly, day, ot_id, key, mode, persons) DO UPDATE
            SET passes = t.passes + EXCLUDED.passes, used = t.used + EXCLUDED.used,
                km_m = t.km_m + EXCLUDED.km_m, km_passes = t.km_passes + EXCLUDED.km_passes
    )
    SELECT count(*)::integer FROM taken
$$;

CREATE FUNCTION report_fold_uses(batch integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    taken report_use_events[];
BEGIN
    WITH gone AS (
        DELETE FROM report_use_events WHERE id IN (SELECT id FROM report_use_events ORDER BY id LIMIT batch)
        RETURNING *
    )
    SELECT array_agg(gone) INTO taken FROM gone;
    INSERT INTO report_uses AS t (dim, weekly, day, ot_id, key, redemptions, persons)
    SELECT d.dim, w.weekly, CASE WHEN w.weekly THEN report_monday(e.day) ELSE e.day END, e.ot_id, d.key,
           sum(e.redemptions), sum(e.persons)
    FROM unnest(taken) e CROSS JOIN LATERAL report_use_dims(e.site_id, e.mode, e.method, e.stop) AS d
         CROSS JOIN (VALUES (false), (true)) AS w (weekly)
    GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (dim, weekly, day, ot_id, key) DO UPDATE
        SET redemptions = t.redemptions + EXCLUDED.redemptions, persons = t.persons + EXCLUDED.persons;
    RETURN coalesce(cardinality(taken), 0);
END
$$;

-- The folder's lock: waited for, or (wait false) only taken when free.
CREATE FUNCTION report_fold_locked(wait boolean) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    IF wait THEN
        PERFORM pg_advisory_xact_lock(report_fold_lock());
        RETURN true;
    END IF;
    RETURN pg_try_advisory_xact_lock(report_fold_lock());
END
$$;

CREATE OR REPLACE FUNCTION report_fold(batch integer DEFAULT 50000, wait boolean DEFAULT true) RETURNS integer
LANGUAGE sql AS $$
    SELECT CASE WHEN report_fold_locked(wait) THEN report_fold_passes(batch) + report_fold_uses(batch) ELSE 0 END
$$;

-- The new dimensions of what is already counted, from the raw tables.
INSERT INTO report_uses SELECT * FROM report_uses_raw WHERE dim IN ('site_mode', 'site_method');
