-- Notifications that reach people: recipients per site and alert kind, each site's escalation
-- and reminder policy, one delivery row per (alert transition | escalation | reminder) and
-- recipient, and the messages that carried them (several deliveries grouped in one message).

-- Per site: when an unacknowledged alert escalates and how often it is repeated.
CREATE TABLE notify_policies (
    site_id           text PRIMARY KEY REFERENCES sites (id),
    escalate_after_s  integer CHECK (escalate_after_s > 0),  -- NULL: no escalation
    remind_every_s    integer CHECK (remind_every_s > 0),    -- NULL: no reminders
    max_reminders     integer NOT NULL DEFAULT 3 CHECK (max_reminders >= 0),
    group_window_s    integer NOT NULL DEFAULT 60 CHECK (group_window_s >= 0),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- A person on one channel (a person reached by e-mail and Zalo is two rows).
CREATE TABLE recipients (
    id           bigserial PRIMARY KEY,
    site_id      text NOT NULL REFERENCES sites (id),
    name         text NOT NULL,
    channel      text NOT NULL CHECK (channel IN ('email', 'telegram', 'zalo')),
    address      text NOT NULL,  -- e-mail address, Telegram chat id, Zalo user id (of the OA)
    language     text NOT NULL DEFAULT 'vi' CHECK (language IN ('vi', 'en')),
    -- 0: told of every transition at once; n: told once an alert stayed unacknowledged for n
    -- escalation periods, and of its later transitions.
    level        integer NOT NULL DEFAULT 0 CHECK (level BETWEEN 0 AND 9),
    kinds        text[],  -- alert kinds; NULL: every kind
    quiet_start  time,    -- quiet hours (local time) for alerts that are not critical
    quiet_end    time,
    time_zone    text NOT NULL DEFAULT 'Asia/Ho_Chi_Minh',
    active       boolean NOT NULL DEFAULT true,
    hold_until   timestamptz,  -- no message before this (grouping window, retry backoff)
    failures     integer NOT NULL DEFAULT 0,  -- consecutive failed sends
    UNIQUE (site_id, channel, address),
    CHECK ((quiet_start IS NULL) = (quiet_end IS NULL))
);
CREATE INDEX recipients_site ON recipients (site_id) WHERE active;

-- A message as it went out: what one recipient was sent, in one send.
CREATE TABLE notify_messages (
    id            bigserial PRIMARY KEY,
    recipient_id  bigint NOT NULL REFERENCES recipients (id),
    channel       text NOT NULL,
    language      text NOT NULL,
    subject       text NOT NULL,
    body          text NOT NULL,
    sent_at       timestamptz NOT NULL,
    provider_id   text  -- the service's id of the message, when it gives one
);

-- What each recipient must be told, and whether they were: unique per transition (or
-- escalation level, or reminder number) and recipient, so nobody hears of it twice.
CREATE TABLE deliveries (
    id             bigserial PRIMARY KEY,
    alert_id       bigint NOT NULL REFERENCES alerts (id),
    transition_id  bigint REFERENCES alert_transitions (id),  -- NULL: escalation or reminder
    recipient_id   bigint NOT NULL REFERENCES recipients (id),
    reason         text NOT NULL CHECK (reason IN ('transition', 'escalation', 'reminder')),
    step           integer NOT NULL DEFAULT 0,  -- escalation level or reminder number
    dedupe_key     text NOT NULL UNIQUE,
    created_at     timestamptz NOT NULL DEFAULT now(),
    due_at         timestamptz NOT NULL DEFAULT now(),  -- later in the recipient's quiet hours
    state          text NOT NULL DEFAULT 'pending'
                   CHECK (state IN ('pending', 'sent', 'failed', 'cancelled')),
    attempts       integer NOT NULL DEFAULT 0,
    last_error     text,
    message_id     bigint REFERENCES notify_messages (id),
    sent_at        timestamptz
);
CREATE INDEX deliveries_due ON deliveries (recipient_id, due_at) WHERE state = 'pending';
CREATE INDEX deliveries_alert ON deliveries (alert_id);
CREATE INDEX alerts_unacknowledged ON alerts (raised_at) WHERE state = 'active_unack';
