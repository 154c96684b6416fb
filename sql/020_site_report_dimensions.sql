-- A partner site's own figures (issue 23): its uses by arrival mode and by proof method,
-- from the rollups like the OT reports. Two more dimensions of report_uses, keyed
-- '<site id>:<mode>' and '<site id>:<method>' (site ids and names have no colon), and one
-- list of a use's dimensions, `report_use_dims`, that every writer and reader of the use
-- rollups now shares: the raw recount, the pending events, the fold, a site's move.

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

CREATE OR REPLACE VIEW report_uses_raw AS
SELECT d.dim, w.weekly, CASE WHEN w.weekly THEN report_monday(x.day) ELSE x.day END AS day, s.ot_id, d.key,
       count(*)::integer AS redemptions, sum(r.persons)::integer AS persons
FROM report_settings rs, redemptions r
JOIN passes p ON p.id = r.pass_id
JOIN sites s ON s.id = r.site_id,
     LATERAL (SELECT (r.redeemed_at AT TIME ZONE rs.timezone)::date AS day) x,
     LATERAL report_use_dims(r.site_id, p.mode, p.method, coalesce(p.arrival_stop_id, '')) AS d,
     (VALUES (false), (true)) AS w (weekly)
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
    IF report_rollup_paused() THEN
        RETURN NULL;
    END IF;
    INSERT INTO report_uses AS t (dim, weekly, day, ot_id, key, redemptions, persons)
    SELECT d.dim, w.weekly, CASE WHEN w.weekly THEN report_monday(x.day) ELSE x.day END, o.ot_id, d.key,
           o.sign * count(*), o.sign * sum(r.persons)
    FROM report_settings rs, redemptions r
    JOIN passes p ON p.id = r.pass_id,
         LATERAL (SELECT (r.redeemed_at AT TIME ZONE rs.timezone)::date AS day) x,
         LATERAL report_use_dims(r.site_id, p.mode, p.method, coalesce(p.arrival_stop_id, '')) AS d,
         (VALUES (false), (true)) AS w (weekly),
         (VALUES (OLD.ot_id, -1), (NEW.ot_id, 1)) AS o (ot_id, sign)
    WHERE r.site_id = NEW.id
    GROUP BY 1, 2, 3, 4, 5, o.sign
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (dim, weekly, day, ot_id, key) DO UPDATE
        SET redemptions = t.redemptions + EXCLUDED.redemptions, persons = t.persons + EXCLUDED.persons;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION report_fold(batch integer DEFAULT 50000, wait boolean DEFAULT true) RETURNS integer
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
             LATERAL report_use_dims(e.site_id, e.mode, e.method, e.stop) AS d,
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

-- The new dimensions of what is already counted, from the raw tables.
INSERT INTO report_uses SELECT * FROM report_uses_raw WHERE dim IN ('site_mode', 'site_method');
