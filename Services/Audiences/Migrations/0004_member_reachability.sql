-- Whether each member can be texted now, as Messaging announces it (MemberReachabilityChanged): audience previews and
-- member lists count known members and members reachable by SMS for marketing. The phone is kept masked (last four).
CREATE TABLE member_reachability (
    user_id       text        PRIMARY KEY,
    masked_phone  text,
    marketing     boolean     NOT NULL,
    transactional boolean     NOT NULL,
    changed_at    timestamptz NOT NULL
);
