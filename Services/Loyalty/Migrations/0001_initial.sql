-- Members: one record per phone number. A provider's pre-registration creates it; the member's own enrolment claims it.
CREATE TABLE members (
    member_id              text        PRIMARY KEY,
    phone                  text        NOT NULL,
    status                 text        NOT NULL CHECK (status IN ('pre_registered', 'enrolled')),
    first_name             text,
    last_name              text,
    email                  text,
    birthday               date,
    zip                    text,
    transactional_consent  boolean     NOT NULL DEFAULT false,
    marketing_consent      boolean     NOT NULL DEFAULT false,
    consent_wording        text,
    enrolment_source       text,
    tier                   text        NOT NULL,
    pre_registered_by      text,
    created_at             timestamptz NOT NULL,
    enrolled_at            timestamptz,
    CONSTRAINT members_phone_unique UNIQUE (phone)
);

CREATE TABLE purchases (
    purchase_id    text          PRIMARY KEY,
    member_id      text          NOT NULL REFERENCES members ON DELETE CASCADE,
    provider_id    text          NOT NULL,
    amount         numeric(12,2) NOT NULL,
    treatments     jsonb         NOT NULL,
    request_hash   text          NOT NULL,
    earning        jsonb         NOT NULL,
    purchased_at   timestamptz   NOT NULL,
    recorded_at    timestamptz   NOT NULL,
    refunded_at    timestamptz
);
CREATE INDEX purchases_member ON purchases (member_id);

-- The points ledger is append-only: a correction is a new entry (a reversal), never an update.
CREATE TABLE ledger_entries (
    entry_id       bigint        GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    member_id      text          NOT NULL REFERENCES members ON DELETE CASCADE,
    kind           text          NOT NULL CHECK (kind IN ('earn', 'reverse', 'redeem', 'adjust')),
    points         integer       NOT NULL,
    available_at   timestamptz   NOT NULL,
    created_at     timestamptz   NOT NULL,
    purchase_id    text,
    redemption_id  text,
    adjustment_id  text,
    provider_id    text,
    description    text          NOT NULL,
    CONSTRAINT ledger_one_entry_per_purchase_and_kind UNIQUE (purchase_id, kind),
    CONSTRAINT ledger_redemption_unique UNIQUE (redemption_id),
    CONSTRAINT ledger_adjustment_unique UNIQUE (adjustment_id)
);
CREATE INDEX ledger_member ON ledger_entries (member_id, entry_id);
CREATE INDEX ledger_maturing ON ledger_entries (available_at) WHERE kind = 'earn';

CREATE FUNCTION ledger_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger_entries is append-only';
END $$;
CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only();

-- Earn entries whose hold has passed and whose "Points Available" fact has been written.
CREATE TABLE point_maturations (
    entry_id    bigint      PRIMARY KEY REFERENCES ledger_entries ON DELETE CASCADE,
    member_id   text        NOT NULL,
    matured_at  timestamptz NOT NULL
);

CREATE TABLE promotions (
    promotion_id  uuid          PRIMARY KEY,
    name          text          NOT NULL,
    products      text[]        NOT NULL DEFAULT '{}',
    multiplier    numeric(5,2)  NOT NULL CHECK (multiplier >= 1),
    starts_at     timestamptz   NOT NULL,
    ends_at       timestamptz   NOT NULL,
    created_at    timestamptz   NOT NULL,
    CHECK (ends_at > starts_at)
);

CREATE TABLE offers (
    offer_id             uuid          PRIMARY KEY,
    kind                 text          NOT NULL CHECK (kind IN ('standard', 'flash')),
    title                text          NOT NULL,
    description          text,
    value                numeric(10,2) NOT NULL CHECK (value > 0),
    products             text[]        NOT NULL DEFAULT '{}',
    provider_ids         text[]        NOT NULL DEFAULT '{}',
    audience_key         text,
    starts_at            timestamptz   NOT NULL,
    ends_at              timestamptz   NOT NULL,
    coupon_valid_days    integer       NOT NULL CHECK (coupon_valid_days > 0),
    active               boolean       NOT NULL DEFAULT true,
    created_at           timestamptz   NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX offers_flash ON offers USING gin (provider_ids) WHERE kind = 'flash';

CREATE TABLE coupons (
    code                  text          PRIMARY KEY,
    offer_id              uuid          NOT NULL REFERENCES offers,
    member_id             text          NOT NULL REFERENCES members ON DELETE CASCADE,
    value                 numeric(10,2) NOT NULL,
    issued_at             timestamptz   NOT NULL,
    expires_at            timestamptz   NOT NULL,
    redeemed_at           timestamptz,
    redeemed_provider_id  text,
    CONSTRAINT coupons_once_per_member_and_offer UNIQUE (offer_id, member_id)
);
CREATE INDEX coupons_member ON coupons (member_id);

-- Audience membership as Audiences last reported it (AudienceMembershipChanged), by the profile's user id.
CREATE TABLE audience_memberships (
    audience_key  text        NOT NULL,
    user_id       text        NOT NULL,
    is_member     boolean     NOT NULL,
    changed_at    timestamptz NOT NULL,
    PRIMARY KEY (audience_key, user_id)
);
CREATE INDEX audience_memberships_user ON audience_memberships (user_id);

CREATE TABLE zip_codes (
    zip        text             PRIMARY KEY,
    city       text             NOT NULL,
    state      text             NOT NULL,
    latitude   double precision NOT NULL,
    longitude  double precision NOT NULL
);

CREATE TABLE providers (
    provider_id  text             PRIMARY KEY,
    name         text             NOT NULL,
    address      text             NOT NULL,
    city         text             NOT NULL,
    state        text             NOT NULL,
    zip          text             NOT NULL,
    phone        text             NOT NULL,
    latitude     double precision NOT NULL,
    longitude    double precision NOT NULL,
    products     text[]           NOT NULL
);
CREATE INDEX providers_location ON providers (latitude, longitude);

CREATE TABLE check_ins (
    check_in_id     text        PRIMARY KEY,
    member_id       text        NOT NULL REFERENCES members ON DELETE CASCADE,
    provider_id     text        NOT NULL REFERENCES providers,
    flash_offer_id  uuid,
    checked_in_at   timestamptz NOT NULL
);
CREATE INDEX check_ins_member ON check_ins (member_id, provider_id, checked_in_at DESC);

-- Facts to send (tracking calls) and integration events to publish, written in the same transaction as the fact.
CREATE TABLE outbox (
    id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id       text        NOT NULL,
    kind             text        NOT NULL CHECK (kind IN ('track', 'identify', 'publish')),
    member_id        text,
    message_type     text,
    payload          jsonb       NOT NULL,
    created_at       timestamptz NOT NULL,
    next_attempt_at  timestamptz NOT NULL,
    attempts         integer     NOT NULL DEFAULT 0,
    last_error       text,
    sent_at          timestamptz,
    -- Refused for good by the receiver (a 4xx other than 408/429): kept for diagnosis, no longer retried.
    rejected_at      timestamptz,
    CONSTRAINT outbox_message_unique UNIQUE (message_id)
);
CREATE INDEX outbox_unsent ON outbox (next_attempt_at, id) WHERE sent_at IS NULL AND rejected_at IS NULL;
CREATE INDEX outbox_member ON outbox (member_id);
