-- Operator accounts (the console's people) and API keys (programs), owned by Web. Passwords are ASP.NET Core
-- Identity's PasswordHasher format; API keys are kept only as the SHA-256 of a 256-bit random key.
CREATE TABLE operators (
    id uuid PRIMARY KEY,
    email text NOT NULL UNIQUE,
    role text NOT NULL,
    password_hash text NOT NULL,
    failed_attempts integer NOT NULL DEFAULT 0,
    locked_until timestamptz,
    disabled_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_sign_in_at timestamptz
);

CREATE TABLE api_keys (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    scopes text[] NOT NULL,
    key_hash bytea NOT NULL UNIQUE,
    last_four text NOT NULL,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at timestamptz
);
