-- Imported GTFS timetables. Every row carries its feed id so that several feeds
-- (liO coaches, SNCF TER …) live side by side; an import replaces the rows of
-- its own feed in one transaction. The timetable tables have no foreign keys:
-- the importer checks the references itself (and names the file and line),
-- and per-row constraint triggers would slow down the bulk COPY.

CREATE TABLE gtfs_feeds (
    id                  text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,39}$' AND id <> 'config'),
    file_name           text NOT NULL,
    sha256              text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    imported_at         timestamptz NOT NULL DEFAULT now(),
    stop_count          integer NOT NULL CHECK (stop_count >= 0),
    route_count         integer NOT NULL CHECK (route_count >= 0),
    trip_count          integer NOT NULL CHECK (trip_count >= 0),
    stop_time_count     integer NOT NULL CHECK (stop_time_count >= 0),
    calendar_count      integer NOT NULL CHECK (calendar_count >= 0),
    calendar_date_count integer NOT NULL CHECK (calendar_date_count >= 0)
);

-- `station_key` groups the stops of one station: 'uic:<code>' when the id (or
-- its parent's) embeds a UIC code, else the parent station, else the stop itself.
CREATE TABLE gtfs_stops (
    feed_id         text NOT NULL,
    stop_id         text NOT NULL,
    name            text NOT NULL,
    lat             double precision CHECK (lat BETWEEN -90 AND 90),
    lon             double precision CHECK (lon BETWEEN -180 AND 180),
    location_type   smallint NOT NULL DEFAULT 0 CHECK (location_type BETWEEN 0 AND 4),
    parent_station  text,
    uic             text CHECK (uic ~ '^[0-9]{7,8}$'),
    station_key     text NOT NULL,
    PRIMARY KEY (feed_id, stop_id)
);
CREATE INDEX gtfs_stops_station ON gtfs_stops (station_key);
CREATE INDEX gtfs_stops_id ON gtfs_stops (stop_id);

-- `mode` is derived from route_type (rail → train, bus and coach → bus; NULL for
-- the others); `line_key` is the normalised short name a visitor would type.
CREATE TABLE gtfs_routes (
    feed_id         text NOT NULL,
    route_id        text NOT NULL,
    short_name      text,
    long_name       text,
    route_type      integer NOT NULL CHECK (route_type >= 0),
    mode            text CHECK (mode IN ('train', 'bus')),
    line_key        text,
    PRIMARY KEY (feed_id, route_id)
);
CREATE INDEX gtfs_routes_line ON gtfs_routes (line_key) WHERE line_key IS NOT NULL;

-- `train_key`: the normalised trip_short_name (the train number).
CREATE TABLE gtfs_trips (
    feed_id         text NOT NULL,
    trip_id         text NOT NULL,
    route_id        text NOT NULL,
    service_id      text NOT NULL,
    short_name      text,
    headsign        text,
    train_key       text,
    PRIMARY KEY (feed_id, trip_id)
);
CREATE INDEX gtfs_trips_train ON gtfs_trips (train_key) WHERE train_key IS NOT NULL;

-- Times are seconds from the start of the service day; they may pass 86400
-- (a trip that runs after midnight belongs to the previous service day).
-- NULL for stops without a scheduled time.
CREATE TABLE gtfs_stop_times (
    feed_id             text NOT NULL,
    trip_id             text NOT NULL,
    stop_sequence       integer NOT NULL CHECK (stop_sequence >= 0),
    stop_id             text NOT NULL,
    arrival_seconds     integer CHECK (arrival_seconds >= 0),
    departure_seconds   integer CHECK (departure_seconds >= 0),
    PRIMARY KEY (feed_id, trip_id, stop_sequence)
);
-- the trip lookup: which trips reach these stops around that time
CREATE INDEX gtfs_stop_times_arrival ON gtfs_stop_times (feed_id, stop_id, arrival_seconds);

CREATE TABLE gtfs_calendar (
    feed_id     text NOT NULL,
    service_id  text NOT NULL,
    monday      boolean NOT NULL,
    tuesday     boolean NOT NULL,
    wednesday   boolean NOT NULL,
    thursday    boolean NOT NULL,
    friday      boolean NOT NULL,
    saturday    boolean NOT NULL,
    sunday      boolean NOT NULL,
    start_date  date NOT NULL,
    end_date    date NOT NULL,
    PRIMARY KEY (feed_id, service_id)
);

-- exception_type 1 adds the date to the service, 2 removes it.
CREATE TABLE gtfs_calendar_dates (
    feed_id         text NOT NULL,
    service_id      text NOT NULL,
    date            date NOT NULL,
    exception_type  smallint NOT NULL CHECK (exception_type IN (1, 2)),
    PRIMARY KEY (feed_id, service_id, date)
);
