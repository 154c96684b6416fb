-- Rollups of the uptake report, kept exact by triggers as passes and uses arrive.
--
-- A season is some 300 000 passes and 1 000 000 uses; grouping them at every
-- dashboard load took seconds. The report reads these two tables instead: one
-- row per Lot day, scope and value of one dimension, a few thousand rows for a
-- season. Each pass or use is counted once in every dimension ("dim"), so any
-- one dimension gives the totals.
--
-- Exact under concurrency: every change is an INSERT … ON CONFLICT DO UPDATE of
-- counters (rows taken in a fixed order, so two writers never deadlock), and
-- "the first use of a pass" is decided under the pass's row lock (`passes.uses`).
-- `report_passes_raw` and `report_uses_raw` compute the same rows from the raw
-- tables: `report_rebuild()` reloads the rollups from them (after a bulk load,
-- or when the time zone changes), and the tests compare both.

-- How many uses a pass has (all sites); moved only by the redemptions trigger.
ALTER TABLE passes ADD COLUMN uses integer NOT NULL DEFAULT 0 CHECK (uses >= 0);
UPDATE passes p SET uses = u.n
FROM (SELECT pass_id, count(*) AS n FROM redemptions GROUP BY pass_id) u
WHERE u.pass_id = p.id;

-- The days of the report are the Lot's: the time zone of config/territory.toml,
-- written here at start-up (a change rebuilds the rollups).
CREATE TABLE report_settings (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    timezone    text NOT NULL
);
INSERT INTO report_settings (timezone) VALUES ('Europe/Paris');

CREATE FUNCTION report_day(moment timestamptz) RETURNS date
LANGUAGE sql STABLE AS $$
    SELECT (moment AT TIME ZONE (SELECT timezone FROM report_settings))::date
$$;

-- The Monday of a day's ISO week (1 January 2001 was a Monday).
CREATE FUNCTION report_monday(day date) RETURNS date
LANGUAGE sql IMMUTABLE AS $$ SELECT day - (day - DATE '2001-01-01') % 7 $$;

-- Where the trip length behind a pass's CO2 estimate comes from: the proof itself
-- (a GPX track's length), the imported timetable (the matched trip's path), or the
-- configured average of the mode when neither gave one.
CREATE FUNCTION report_distance_source(method text, trip_km double precision) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN trip_km IS NULL THEN 'assumed' WHEN method = 'gpx' THEN 'proof' ELSE 'timetable' END
$$;

-- Every count is kept twice: per Lot day (`weekly` false) and per ISO week (`weekly`
-- true, `day` its Monday). A season's report reads its full weeks from the weekly rows
-- and only the days at its edges from the daily ones: seven times fewer rows.
--
-- Passes by the Lot day they were issued and the OT of their arrival stop ('' for
-- none). `mode` and `persons` split every row because the CO2 avoided per pass
-- depends on them; `km_m` sums the known trip lengths in metres (integers: exact
-- sums, whatever their order, and fast ones).
CREATE TABLE report_passes (
    dim         text NOT NULL CHECK (dim IN ('mode', 'method', 'confidence', 'stop', 'distance')),
    weekly      boolean NOT NULL,
    day         date NOT NULL CHECK (NOT weekly OR day = report_monday(day)),
    ot_id       text NOT NULL,
    key         text NOT NULL,
    mode        text NOT NULL,
    persons     integer NOT NULL,
    passes      integer NOT NULL,
    used        integer NOT NULL,
    km_m        bigint NOT NULL,
    km_passes   integer NOT NULL,
    PRIMARY KEY (dim, weekly, day, ot_id, key, mode, persons)
);

-- Uses by the Lot day they were recorded and the OT of their site; the value of
-- dimension `site` is the site, the others' are the pass's. A site moved to another
-- OT takes its uses with it (trigger on sites below), as the raw report would.
CREATE TABLE report_uses (
    dim         text NOT NULL CHECK (dim IN ('site', 'mode', 'method', 'stop')),
    weekly      boolean NOT NULL,
    day         date NOT NULL CHECK (NOT weekly OR day = report_monday(day)),
    ot_id       text NOT NULL,
    key         text NOT NULL,
    redemptions integer NOT NULL,
    persons     integer NOT NULL,
    PRIMARY KEY (dim, weekly, day, ot_id, key)
);

-- The same rows recounted from the raw tables (one time zone lookup, not one per row).
CREATE VIEW report_passes_raw AS
SELECT d.dim, w.weekly, CASE WHEN w.weekly THEN report_monday(x.day) ELSE x.day END AS day,
       coalesce(p.ot_id, '') AS ot_id, d.key, p.mode, p.persons,
       count(*)::integer AS passes,
       (count(*) FILTER (WHERE EXISTS (SELECT 1 FROM redemptions r WHERE r.pass_id = p.id)))::integer AS used,
       coalesce(sum(round(p.trip_km * 1000)::bigint), 0)::bigint AS km_m,
       count(p.trip_km)::integer AS km_passes
FROM report_settings rs, passes p,
     LATERAL (SELECT (p.created_at AT TIME ZONE rs.timezone)::date AS day) x,
     LATERAL (VALUES ('mode', p.mode), ('method', p.method), ('confidence', p.confidence),
                     ('stop', coalesce(p.arrival_stop_id, '')),
                     ('distance', report_distance_source(p.method, p.trip_km))) AS d (dim, key),
     (VALUES (false), (true)) AS w (weekly)
GROUP BY 1, 2, 3, 4, 5, 6, 7;

CREATE VIEW report_uses_raw AS
SELECT d.dim, w.weekly, CASE WHEN w.weekly THEN report_monday(x.day) ELSE x.day END AS day, s.ot_id, d.key,
       count(*)::integer AS redemptions, sum(r.persons)::integer AS persons
FROM report_settings rs, redemptions r
JOIN passes p ON p.id = r.pass_id
JOIN sites s ON s.id = r.site_id,
     LATERAL (SELECT (r.redeemed_at AT TIME ZONE rs.timezone)::date AS day) x,
     LATERAL (VALUES ('site', r.site_id), ('mode', p.mode), ('method', p.method),
                     ('stop', coalesce(p.arrival_stop_id, ''))) AS d (dim, key),
     (VALUES (false), (true)) AS w (weekly)
GROUP BY 1, 2, 3, 4, 5;

-- Add a pass (sign 1), take it away (-1), or only move its "used" flag (sign 0).
CREATE FUNCTION report_count_pass(p passes, sign integer, used_delta integer) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO report_passes AS t (dim, weekly, day, ot_id, key, mode, persons, passes, used, km_m, km_passes)
    SELECT d.dim, w.weekly, CASE WHEN w.weekly THEN report_monday(x.day) ELSE x.day END,
           coalesce(p.ot_id, ''), d.key, p.mode, p.persons,
           sign, used_delta, coalesce(round(p.trip_km * 1000)::bigint, 0) * sign,
           (p.trip_km IS NOT NULL)::integer * sign
    FROM (SELECT report_day(p.created_at) AS day) x,
         (VALUES ('confidence', p.confidence), ('distance', report_distance_source(p.method, p.trip_km)),
                 ('method', p.method), ('mode', p.mode), ('stop', coalesce(p.arrival_stop_id, ''))) AS d (dim, key),
         (VALUES (false), (true)) AS w (weekly)
    ORDER BY d.dim, w.weekly
    ON CONFLICT (dim, weekly, day, ot_id, key, mode, persons) DO UPDATE
        SET passes = t.passes + EXCLUDED.passes, used = t.used + EXCLUDED.used,
            km_m = t.km_m + EXCLUDED.km_m, km_passes = t.km_passes + EXCLUDED.km_passes
$$;

-- Add a use (sign 1) or take it away (-1). The site's row is share-locked, so a move
-- of the site to another OT waits for the use, or the use for the move. The pass's
-- use count follows under its row lock, so concurrent first uses of one pass at two
-- sites count it used once.
CREATE FUNCTION report_count_use(r redemptions, sign integer) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO report_uses AS t (dim, weekly, day, ot_id, key, redemptions, persons)
    SELECT d.dim, w.weekly, CASE WHEN w.weekly THEN report_monday(x.day) ELSE x.day END, s.ot_id, d.key,
           sign, r.persons * sign
    FROM (SELECT ot_id FROM sites WHERE id = r.site_id FOR SHARE) s, passes p,
         (SELECT report_day(r.redeemed_at) AS day) x,
         LATERAL (VALUES ('method', p.method), ('mode', p.mode), ('site', r.site_id),
                         ('stop', coalesce(p.arrival_stop_id, ''))) AS d (dim, key),
         (VALUES (false), (true)) AS w (weekly)
    WHERE p.id = r.pass_id
    ORDER BY d.dim, w.weekly
    ON CONFLICT (dim, weekly, day, ot_id, key) DO UPDATE
        SET redemptions = t.redemptions + EXCLUDED.redemptions, persons = t.persons + EXCLUDED.persons;
    UPDATE passes SET uses = uses + sign WHERE id = r.pass_id;
$$;

-- A site handed to another OT: its uses move from the old OT's rows to the new one's.
CREATE FUNCTION report_on_site_move() RETURNS trigger
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
         LATERAL (VALUES ('method', p.method), ('mode', p.mode), ('site', r.site_id),
                         ('stop', coalesce(p.arrival_stop_id, ''))) AS d (dim, key),
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

CREATE TRIGGER report_site_moved AFTER UPDATE OF ot_id ON sites
    FOR EACH ROW WHEN (OLD.ot_id IS DISTINCT FROM NEW.ot_id)
    EXECUTE FUNCTION report_on_site_move();

-- `SET LOCAL tbc.rollup_paused = 'on'` in a transaction that reloads the rollups anyway.
CREATE FUNCTION report_rollup_paused() RETURNS boolean
LANGUAGE sql STABLE AS $$ SELECT coalesce(current_setting('tbc.rollup_paused', true), '') = 'on' $$;

CREATE FUNCTION report_on_pass() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF report_rollup_paused() THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        PERFORM report_count_pass(NEW, 1, (NEW.uses > 0)::integer);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM report_count_pass(OLD, -1, -(OLD.uses > 0)::integer);
    ELSIF (OLD.created_at, OLD.ot_id, OLD.mode, OLD.method, OLD.confidence, OLD.arrival_stop_id, OLD.persons,
           OLD.trip_km) IS NOT DISTINCT FROM
          (NEW.created_at, NEW.ot_id, NEW.mode, NEW.method, NEW.confidence, NEW.arrival_stop_id, NEW.persons,
           NEW.trip_km) THEN
        -- only the use count moved: the pass became used, or unused
        PERFORM report_count_pass(NEW, 0, (NEW.uses > 0)::integer - (OLD.uses > 0)::integer);
    ELSE
        PERFORM report_count_pass(OLD, -1, -(OLD.uses > 0)::integer);
        PERFORM report_count_pass(NEW, 1, (NEW.uses > 0)::integer);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER report_passes_count AFTER INSERT OR DELETE ON passes
    FOR EACH ROW EXECUTE FUNCTION report_on_pass();
CREATE TRIGGER report_passes_recount AFTER UPDATE ON passes
    FOR EACH ROW
    WHEN ((OLD.created_at, OLD.ot_id, OLD.mode, OLD.method, OLD.confidence, OLD.arrival_stop_id, OLD.persons,
           OLD.trip_km, OLD.uses > 0) IS DISTINCT FROM
          (NEW.created_at, NEW.ot_id, NEW.mode, NEW.method, NEW.confidence, NEW.arrival_stop_id, NEW.persons,
           NEW.trip_km, NEW.uses > 0))
    EXECUTE FUNCTION report_on_pass();

CREATE FUNCTION report_on_use() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF report_rollup_paused() THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM report_count_use(OLD, -1);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM report_count_use(NEW, 1);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER report_uses_count AFTER INSERT OR DELETE ON redemptions
    FOR EACH ROW EXECUTE FUNCTION report_on_use();
CREATE TRIGGER report_uses_recount AFTER UPDATE OF pass_id, site_id, persons, redeemed_at ON redemptions
    FOR EACH ROW
    WHEN ((OLD.pass_id, OLD.site_id, OLD.persons, OLD.redeemed_at) IS DISTINCT FROM
          (NEW.pass_id, NEW.site_id, NEW.persons, NEW.redeemed_at))
    EXECUTE FUNCTION report_on_use();

-- Reload everything from the raw tables, writers held off meanwhile.
CREATE FUNCTION report_rebuild() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE passes, redemptions IN SHARE ROW EXCLUSIVE MODE;
    PERFORM set_config('tbc.rollup_paused', 'on', true);
    -- a season is millions of grouped rows: sort and hash them in memory
    PERFORM set_config('work_mem', '256MB', true);
    WITH counts AS (
        SELECT p.id, count(r.id) AS n FROM passes p LEFT JOIN redemptions r ON r.pass_id = p.id GROUP BY p.id
    )
    UPDATE passes p SET uses = c.n FROM counts c WHERE c.id = p.id AND p.uses <> c.n;
    DELETE FROM report_passes;
    DELETE FROM report_uses;
    INSERT INTO report_passes SELECT * FROM report_passes_raw;
    INSERT INTO report_uses SELECT * FROM report_uses_raw;
    PERFORM set_config('tbc.rollup_paused', 'off', true);
END
$$;

SELECT report_rebuild();
