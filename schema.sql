-- Tong schema for PostgreSQL at revision 0020: `tong db schema`, i.e. pg_dump --schema-only
-- of a database upgraded to head by server/migrations. Do not edit; write a revision.

--
-- PostgreSQL database dump
--

--
-- Name: account; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.account (
    id integer NOT NULL,
    login character varying(64) NOT NULL,
    password_hash character varying(255) NOT NULL,
    kind character varying(16) NOT NULL,
    roles character varying(64) NOT NULL,
    department character varying(100),
    disabled boolean NOT NULL,
    created_at timestamp with time zone NOT NULL,
    auto_follow boolean DEFAULT true NOT NULL,
    oidc_issuer character varying(255),
    oidc_subject character varying(255),
    last_login_at timestamp with time zone
);

--
-- Name: account_factor; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.account_factor (
    id integer NOT NULL,
    account_id integer NOT NULL,
    kind character varying(16) NOT NULL,
    secret text NOT NULL,
    credential_id character varying(1400),
    sign_count integer NOT NULL,
    last_step bigint,
    confirmed boolean NOT NULL,
    created_at timestamp with time zone NOT NULL
);

--
-- Name: account_factor_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.account_factor_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: account_factor_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.account_factor_id_seq OWNED BY public.account_factor.id;

--
-- Name: account_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.account_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: account_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.account_id_seq OWNED BY public.account.id;

--
-- Name: account_mail; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.account_mail (
    account_id integer NOT NULL,
    address character varying(254) NOT NULL,
    verified_at timestamp with time zone,
    confirm_nonce character varying(32),
    confirm_sent_at timestamp with time zone,
    delivery character varying(16) NOT NULL
);

--
-- Name: account_session; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.account_session (
    token_hash character varying(64) NOT NULL,
    account_id integer NOT NULL,
    created_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    oidc_sid character varying(255),
    id_token text,
    factor_at timestamp with time zone,
    mfa_challenge character varying(128),
    mfa_challenge_at timestamp with time zone
);

--
-- Name: alembic_version; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.alembic_version (
    version_num character varying(32) NOT NULL
);

--
-- Name: answer; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.answer (
    id integer NOT NULL,
    thread_id integer NOT NULL,
    author_id integer NOT NULL,
    body character varying NOT NULL,
    status character varying(16) NOT NULL,
    outcome character varying(24),
    seq integer NOT NULL,
    created_at timestamp with time zone NOT NULL,
    edited_at timestamp with time zone,
    revision integer DEFAULT 1 NOT NULL,
    department character varying(50)
);

--
-- Name: answer_draft; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.answer_draft (
    id integer NOT NULL,
    thread_id integer NOT NULL,
    answer_id integer,
    revises boolean NOT NULL,
    author_id integer NOT NULL,
    body character varying NOT NULL,
    outcome character varying(24),
    state character varying(24) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    submitted_at timestamp with time zone,
    approved_by integer,
    approved_at timestamp with time zone,
    returned_by integer,
    returned_at timestamp with time zone,
    returned_reason character varying
);

--
-- Name: answer_draft_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.answer_draft_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: answer_draft_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.answer_draft_id_seq OWNED BY public.answer_draft.id;

--
-- Name: answer_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.answer_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: answer_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.answer_id_seq OWNED BY public.answer.id;

--
-- Name: appeal; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.appeal (
    id integer NOT NULL,
    action_id integer NOT NULL,
    account_id integer NOT NULL,
    text character varying NOT NULL,
    created_at timestamp with time zone NOT NULL,
    decision character varying(16),
    decision_reason character varying,
    decided_at timestamp with time zone
);

--
-- Name: appeal_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.appeal_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: appeal_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.appeal_id_seq OWNED BY public.appeal.id;

--
-- Name: attachment; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.attachment (
    id integer NOT NULL,
    account_id integer NOT NULL,
    sha256 character varying(64) NOT NULL,
    name character varying(200) NOT NULL,
    size integer NOT NULL,
    type character varying(100) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    target character varying(8),
    target_id integer,
    thread_id integer,
    "position" integer NOT NULL
);

--
-- Name: attachment_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.attachment_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: attachment_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.attachment_id_seq OWNED BY public.attachment.id;

--
-- Name: category; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.category (
    id integer NOT NULL,
    slug character varying(60) NOT NULL,
    name character varying(50) NOT NULL,
    name_en character varying(50),
    retired boolean NOT NULL,
    "position" integer NOT NULL,
    created_at timestamp with time zone NOT NULL
);

--
-- Name: category_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.category_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: category_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.category_id_seq OWNED BY public.category.id;

--
-- Name: comment; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.comment (
    id integer NOT NULL,
    thread_id integer NOT NULL,
    parent_id integer,
    seq integer NOT NULL,
    author_id integer NOT NULL,
    body character varying NOT NULL,
    created_at timestamp with time zone NOT NULL,
    hidden boolean NOT NULL,
    hidden_reason character varying,
    recommendation_count integer NOT NULL,
    edited_at timestamp with time zone,
    revision integer DEFAULT 1 NOT NULL,
    withdrawn boolean DEFAULT false NOT NULL,
    erased boolean DEFAULT false NOT NULL
);

--
-- Name: comment_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.comment_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: comment_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.comment_id_seq OWNED BY public.comment.id;

--
-- Name: department; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.department (
    id integer NOT NULL,
    name character varying(50) NOT NULL,
    name_en character varying(50),
    retired boolean NOT NULL,
    "position" integer NOT NULL,
    created_at timestamp with time zone NOT NULL
);

--
-- Name: department_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.department_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: department_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.department_id_seq OWNED BY public.department.id;

--
-- Name: department_member; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.department_member (
    account_id integer NOT NULL,
    department_id integer NOT NULL,
    set_at timestamp with time zone NOT NULL
);

--
-- Name: draft; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.draft (
    account_id integer NOT NULL,
    key character varying(24) NOT NULL,
    title text,
    body text NOT NULL,
    updated_at timestamp with time zone NOT NULL
);

--
-- Name: event; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.event (
    id bigint NOT NULL,
    type character varying(40) NOT NULL,
    thread_id integer,
    seq integer,
    actor_account_id integer,
    payload jsonb NOT NULL,
    created_at timestamp with time zone NOT NULL,
    tx bigint DEFAULT ((pg_current_xact_id())::text)::bigint
);

--
-- Name: event_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.event_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: event_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.event_id_seq OWNED BY public.event.id;

--
-- Name: event_seal; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.event_seal (
    event_id bigint NOT NULL,
    "position" bigint NOT NULL,
    prev_event_id bigint,
    payload_hash character varying(64) NOT NULL,
    row_hash character varying(64) NOT NULL,
    chain_hash character varying(64) NOT NULL,
    digests jsonb NOT NULL,
    sealed_at timestamp with time zone NOT NULL
);

--
-- Name: follow; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.follow (
    account_id integer NOT NULL,
    thread_id integer NOT NULL,
    created_at timestamp with time zone NOT NULL
);

--
-- Name: held_comment; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.held_comment (
    id integer NOT NULL,
    thread_id integer NOT NULL,
    parent_id integer,
    author_id integer NOT NULL,
    body character varying NOT NULL,
    words character varying(400) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    resolution character varying(16),
    resolved_at timestamp with time zone,
    comment_id integer
);

--
-- Name: held_comment_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.held_comment_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: held_comment_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.held_comment_id_seq OWNED BY public.held_comment.id;

--
-- Name: history; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.history (
    id integer NOT NULL,
    epoch character varying(32) NOT NULL,
    created_at timestamp with time zone NOT NULL
);

--
-- Name: history_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.history_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: history_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.history_id_seq OWNED BY public.history.id;

--
-- Name: moderation_action; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.moderation_action (
    id integer NOT NULL,
    kind character varying(16) NOT NULL,
    target_id integer NOT NULL,
    thread_id integer NOT NULL,
    account_id integer NOT NULL,
    action character varying(16) NOT NULL,
    reason character varying NOT NULL,
    created_at timestamp with time zone NOT NULL,
    undone_at timestamp with time zone
);

--
-- Name: moderation_action_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.moderation_action_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: moderation_action_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.moderation_action_id_seq OWNED BY public.moderation_action.id;

--
-- Name: notice; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.notice (
    id integer NOT NULL,
    account_id integer NOT NULL,
    kind character varying(16) NOT NULL,
    thread_id integer NOT NULL,
    comment_id integer,
    answer_id integer,
    count integer NOT NULL,
    data jsonb NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    seen_at timestamp with time zone
);

--
-- Name: notice_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.notice_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: notice_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.notice_id_seq OWNED BY public.notice.id;

--
-- Name: notice_seen; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.notice_seen (
    account_id integer NOT NULL,
    change_id integer NOT NULL,
    seen_at timestamp with time zone NOT NULL
);

--
-- Name: oidc_login; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.oidc_login (
    state_hash character varying(64) NOT NULL,
    nonce character varying(128) NOT NULL,
    verifier character varying(128) NOT NULL,
    next_path character varying(2000) NOT NULL,
    created_at timestamp with time zone NOT NULL
);

--
-- Name: outbox; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.outbox (
    id integer NOT NULL,
    notice_id integer,
    channel character varying(16) NOT NULL,
    account_id integer NOT NULL,
    attempts integer NOT NULL,
    next_attempt_at timestamp with time zone,
    sent_at timestamp with time zone,
    last_error character varying(500),
    created_at timestamp with time zone NOT NULL,
    token_id integer
);

--
-- Name: outbox_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.outbox_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: outbox_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.outbox_id_seq OWNED BY public.outbox.id;

--
-- Name: password_token; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.password_token (
    id integer NOT NULL,
    account_id integer NOT NULL,
    purpose character varying(16) NOT NULL,
    token_hash character varying(64) NOT NULL,
    nonce character varying(32) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    used_at timestamp with time zone
);

--
-- Name: password_token_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.password_token_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: password_token_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.password_token_id_seq OWNED BY public.password_token.id;

--
-- Name: recommendation; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.recommendation (
    target character varying(8) NOT NULL,
    target_id integer NOT NULL,
    account_id integer NOT NULL,
    thread_id integer NOT NULL,
    created_at timestamp with time zone NOT NULL
);

--
-- Name: recovery_code; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.recovery_code (
    code_hash character varying(64) NOT NULL,
    account_id integer NOT NULL,
    created_at timestamp with time zone NOT NULL
);

--
-- Name: reminder; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.reminder (
    id integer NOT NULL,
    account_id integer NOT NULL,
    day character varying(10) NOT NULL,
    items jsonb NOT NULL,
    created_at timestamp with time zone NOT NULL
);

--
-- Name: reminder_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.reminder_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: reminder_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.reminder_id_seq OWNED BY public.reminder.id;

--
-- Name: report; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.report (
    id integer NOT NULL,
    comment_id integer NOT NULL,
    thread_id integer NOT NULL,
    account_id integer NOT NULL,
    reason character varying NOT NULL,
    created_at timestamp with time zone NOT NULL,
    resolution character varying(16),
    resolved_at timestamp with time zone,
    category character varying(16)
);

--
-- Name: report_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.report_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: report_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.report_id_seq OWNED BY public.report.id;

--
-- Name: revision; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.revision (
    id integer NOT NULL,
    target character varying(8) NOT NULL,
    target_id integer NOT NULL,
    number integer NOT NULL,
    title character varying(400),
    body character varying NOT NULL,
    editor_id integer NOT NULL,
    created_at timestamp with time zone NOT NULL
);

--
-- Name: revision_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.revision_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: revision_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.revision_id_seq OWNED BY public.revision.id;

--
-- Name: search_document; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.search_document (
    thread_id integer NOT NULL,
    title character varying NOT NULL,
    body character varying NOT NULL,
    answers character varying NOT NULL,
    comments character varying NOT NULL,
    document tsvector GENERATED ALWAYS AS ((((setweight(to_tsvector('simple'::regconfig, (title)::text), 'A'::"char") || setweight(to_tsvector('simple'::regconfig, (body)::text), 'B'::"char")) || setweight(to_tsvector('simple'::regconfig, (answers)::text), 'B'::"char")) || setweight(to_tsvector('simple'::regconfig, (comments)::text), 'D'::"char"))) STORED,
    head tsvector GENERATED ALWAYS AS (((setweight(to_tsvector('simple'::regconfig, (title)::text), 'A'::"char") || setweight(to_tsvector('simple'::regconfig, (body)::text), 'B'::"char")) || setweight(to_tsvector('simple'::regconfig, (answers)::text), 'B'::"char"))) STORED
);

--
-- Name: search_pending; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.search_pending (
    id bigint NOT NULL,
    thread_id integer NOT NULL,
    comment_id integer
);

--
-- Name: search_pending_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.search_pending_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: search_pending_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.search_pending_id_seq OWNED BY public.search_pending.id;

--
-- Name: server_heartbeat; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.server_heartbeat (
    process character varying(32) NOT NULL,
    host character varying(255) NOT NULL,
    pid integer NOT NULL,
    started_at timestamp with time zone NOT NULL,
    seen_at timestamp with time zone NOT NULL
);

--
-- Name: staff_note; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.staff_note (
    id integer NOT NULL,
    thread_id integer NOT NULL,
    draft_id integer,
    author_id integer NOT NULL,
    body character varying NOT NULL,
    created_at timestamp with time zone NOT NULL,
    edited_at timestamp with time zone,
    revision integer NOT NULL
);

--
-- Name: staff_note_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.staff_note_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: staff_note_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.staff_note_id_seq OWNED BY public.staff_note.id;

--
-- Name: suspension; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.suspension (
    id integer NOT NULL,
    account_id integer NOT NULL,
    post_kind character varying(8) NOT NULL,
    post_id integer NOT NULL,
    thread_id integer NOT NULL,
    reason character varying NOT NULL,
    until timestamp with time zone NOT NULL,
    created_at timestamp with time zone NOT NULL,
    lifted_at timestamp with time zone
);

--
-- Name: suspension_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.suspension_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: suspension_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.suspension_id_seq OWNED BY public.suspension.id;

--
-- Name: thread; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.thread (
    id integer NOT NULL,
    kind character varying(16) NOT NULL,
    title character varying(400) NOT NULL,
    body character varying NOT NULL,
    category character varying(50),
    status character varying(16),
    outcome character varying(24),
    author_id integer NOT NULL,
    created_at timestamp with time zone NOT NULL,
    last_activity_at timestamp with time zone NOT NULL,
    seq integer NOT NULL,
    comment_count integer NOT NULL,
    recommendation_count integer NOT NULL,
    company_authors integer NOT NULL,
    agency_authors integer NOT NULL,
    category_id integer,
    edited_at timestamp with time zone,
    revision integer DEFAULT 1 NOT NULL,
    answer_due date,
    hidden boolean DEFAULT false NOT NULL,
    hidden_reason character varying,
    erased boolean DEFAULT false NOT NULL
);

--
-- Name: thread_assignment; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.thread_assignment (
    id integer NOT NULL,
    thread_id integer NOT NULL,
    department_id integer NOT NULL,
    assignee_id integer,
    assigned_by integer NOT NULL,
    created_at timestamp with time zone NOT NULL
);

--
-- Name: thread_assignment_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.thread_assignment_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: thread_assignment_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.thread_assignment_id_seq OWNED BY public.thread_assignment.id;

--
-- Name: thread_author; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.thread_author (
    thread_id integer NOT NULL,
    account_id integer NOT NULL,
    kind character varying(16) NOT NULL,
    number integer NOT NULL,
    is_op boolean NOT NULL
);

--
-- Name: thread_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.thread_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: thread_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.thread_id_seq OWNED BY public.thread.id;

--
-- Name: thread_link; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.thread_link (
    change_id integer NOT NULL,
    proposal_id integer NOT NULL,
    created_at timestamp with time zone NOT NULL
);

--
-- Name: thread_report; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.thread_report (
    id integer NOT NULL,
    thread_id integer NOT NULL,
    account_id integer NOT NULL,
    reason character varying NOT NULL,
    category character varying(16),
    created_at timestamp with time zone NOT NULL,
    resolution character varying(16),
    resolved_at timestamp with time zone
);

--
-- Name: thread_report_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.thread_report_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: thread_report_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.thread_report_id_seq OWNED BY public.thread_report.id;

--
-- Name: account id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account ALTER COLUMN id SET DEFAULT nextval('public.account_id_seq'::regclass);

--
-- Name: account_factor id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_factor ALTER COLUMN id SET DEFAULT nextval('public.account_factor_id_seq'::regclass);

--
-- Name: answer id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.answer ALTER COLUMN id SET DEFAULT nextval('public.answer_id_seq'::regclass);

--
-- Name: answer_draft id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.answer_draft ALTER COLUMN id SET DEFAULT nextval('public.answer_draft_id_seq'::regclass);

--
-- Name: appeal id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.appeal ALTER COLUMN id SET DEFAULT nextval('public.appeal_id_seq'::regclass);

--
-- Name: attachment id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.attachment ALTER COLUMN id SET DEFAULT nextval('public.attachment_id_seq'::regclass);

--
-- Name: category id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.category ALTER COLUMN id SET DEFAULT nextval('public.category_id_seq'::regclass);

--
-- Name: comment id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.comment ALTER COLUMN id SET DEFAULT nextval('public.comment_id_seq'::regclass);

--
-- Name: department id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.department ALTER COLUMN id SET DEFAULT nextval('public.department_id_seq'::regclass);

--
-- Name: event id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.event ALTER COLUMN id SET DEFAULT nextval('public.event_id_seq'::regclass);

--
-- Name: held_comment id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.held_comment ALTER COLUMN id SET DEFAULT nextval('public.held_comment_id_seq'::regclass);

--
-- Name: history id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.history ALTER COLUMN id SET DEFAULT nextval('public.history_id_seq'::regclass);

--
-- Name: moderation_action id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.moderation_action ALTER COLUMN id SET DEFAULT nextval('public.moderation_action_id_seq'::regclass);

--
-- Name: notice id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.notice ALTER COLUMN id SET DEFAULT nextval('public.notice_id_seq'::regclass);

--
-- Name: outbox id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.outbox ALTER COLUMN id SET DEFAULT nextval('public.outbox_id_seq'::regclass);

--
-- Name: password_token id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.password_token ALTER COLUMN id SET DEFAULT nextval('public.password_token_id_seq'::regclass);

--
-- Name: reminder id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reminder ALTER COLUMN id SET DEFAULT nextval('public.reminder_id_seq'::regclass);

--
-- Name: report id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.report ALTER COLUMN id SET DEFAULT nextval('public.report_id_seq'::regclass);

--
-- Name: revision id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.revision ALTER COLUMN id SET DEFAULT nextval('public.revision_id_seq'::regclass);

--
-- Name: search_pending id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.search_pending ALTER COLUMN id SET DEFAULT nextval('public.search_pending_id_seq'::regclass);

--
-- Name: staff_note id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.staff_note ALTER COLUMN id SET DEFAULT nextval('public.staff_note_id_seq'::regclass);

--
-- Name: suspension id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.suspension ALTER COLUMN id SET DEFAULT nextval('public.suspension_id_seq'::regclass);

--
-- Name: thread id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.thread ALTER COLUMN id SET DEFAULT nextval('public.thread_id_seq'::regclass);

--
-- Name: thread_assignment id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.thread_assignment ALTER COLUMN id SET DEFAULT nextval('public.thread_assignment_id_seq'::regclass);

--
-- Name: thread_report id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.thread_report ALTER COLUMN id SET DEFAULT nextval('public.thread_report_id_seq'::regclass);

--
-- Name: account_factor account_factor_credential_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_factor
    ADD CONSTRAINT account_factor_credential_id_key UNIQUE (credential_id);

--
-- Name: account_factor account_factor_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_factor
    ADD CONSTRAINT account_factor_pkey PRIMARY KEY (id);

--
-- Name: account account_login_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account
    ADD CONSTRAINT account_login_key UNIQUE (login);

--
-- Name: account_mail account_mail_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_mail
    ADD CONSTRAINT account_mail_pkey PRIMARY KEY (account_id);

--
-- Name: account account_oidc_issuer_oidc_subject_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account
    ADD CONSTRAINT account_oidc_issuer_oidc_subject_key UNIQUE (oidc_issuer, oidc_subject);

--
-- Name: account account_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account
    ADD CONSTRAINT account_pkey PRIMARY KEY (id);

--
-- Name: account_session account_session_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_session
    ADD CONSTRAINT account_session_pkey PRIMARY KEY (token_hash);

--
-- Name: alembic_version alembic_version_pkc; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.alembic_version
    ADD CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num);

--
-- Name: answer_draft answer_draft_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.answer_draft
    ADD CONSTRAINT answer_draft_pkey PRIMARY KEY (id);

--
-- Name: answer answer_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.answer
    ADD CONSTRAINT answer_pkey PRIMARY KEY (id);

--
-- Name: appeal appeal_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.appeal
    ADD CONSTRAINT appeal_pkey PRIMARY KEY (id);

--
-- Name: attachment attachment_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.attachment
    ADD CONSTRAINT attachment_pkey PRIMARY KEY (id);

--
-- Name: category category_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.category
    ADD CONSTRAINT category_name_key UNIQUE (name);

--
-- Name: category category_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.category
    ADD CONSTRAINT category_pkey PRIMARY KEY (id);

--
-- Name: category category_slug_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.category
    ADD CONSTRAINT category_slug_key UNIQUE (slug);

--
-- Name: comment comment_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.comment
    ADD CONSTRAINT comment_pkey PRIMARY KEY (id);

--
-- Name: department_member department_member_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.department_member
    ADD CONSTRAINT department_member_pkey PRIMARY KEY (account_id);

--
-- Name: department department_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.department
    ADD CONSTRAINT department_name_key UNIQUE (name);

--
-- Name: department department_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.department
    ADD CONSTRAINT department_pkey PRIMARY KEY (id);

--
-- Name: draft draft_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.draft
    ADD CONSTRAINT draft_pkey PRIMARY KEY (account_id, key);

--
-- Name: event event_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.event
    ADD CONSTRAINT event_pkey PRIMARY KEY (id);

--
-- Name: event_seal event_seal_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.event_seal
    ADD CONSTRAINT event_seal_pkey PRIMARY KEY (event_id);

--
-- Name: event_seal event_seal_position_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.event_seal
    ADD CONSTRAINT event_seal_position_key UNIQUE ("position");

--
-- Name: follow follow_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.follow
    ADD CONSTRAINT follow_pkey PRIMARY KEY (account_id, thread_id);

--
-- Name: held_comment held_comment_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.held_comment
    ADD CONSTRAINT held_comment_pkey PRIMARY KEY (id);

--
-- Name: history history_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.history
    ADD CONSTRAINT history_pkey PRIMARY KEY (id);

--
-- Name: moderation_action moderation_action_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.moderation_action
    ADD CONSTRAINT moderation_action_pkey PRIMARY KEY (id);

--
-- Name: notice notice_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.notice
    ADD CONSTRAINT notice_pkey PRIMARY KEY (id);

--
-- Name: notice_seen notice_seen_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.notice_seen
    ADD CONSTRAINT notice_seen_pkey PRIMARY KEY (account_id, change_id);

--
-- Name: oidc_login oidc_login_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.oidc_login
    ADD CONSTRAINT oidc_login_pkey PRIMARY KEY (state_hash);

--
-- Name: outbox outbox_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.outbox
    ADD CONSTRAINT outbox_pkey PRIMARY KEY (id);

--
-- Name: password_token password_token_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.password_token
    ADD CONSTRAINT password_token_pkey PRIMARY KEY (id);

--
-- Name: password_token password_token_token_hash_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.password_token
    ADD CONSTRAINT password_token_token_hash_key UNIQUE (token_hash);

--
-- Name: recommendation recommendation_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recommendation
    ADD CONSTRAINT recommendation_pkey PRIMARY KEY (target, target_id, account_id);

--
-- Name: recovery_code recovery_code_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recovery_code
    ADD CONSTRAINT recovery_code_pkey PRIMARY KEY (code_hash);

--
-- Name: reminder reminder_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reminder
    ADD CONSTRAINT reminder_pkey PRIMARY KEY (id);

--
-- Name: report report_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.report
    ADD CONSTRAINT report_pkey PRIMARY KEY (id);

--
-- Name: revision revision_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.revision
    ADD CONSTRAINT revision_pkey PRIMARY KEY (id);

--
-- Name: search_document search_document_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.search_document
    ADD CONSTRAINT search_document_pkey PRIMARY KEY (thread_id);

--
-- Name: search_pending search_pending_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.search_pending
    ADD CONSTRAINT search_pending_pkey PRIMARY KEY (id);

--
-- Name: server_heartbeat server_heartbeat_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.server_heartbeat
    ADD CONSTRAINT server_heartbeat_pkey PRIMARY KEY (process);

--
-- Name: staff_note staff_note_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.staff_note
    ADD CONSTRAINT staff_note_pkey PRIMARY KEY (id);

--
-- Name: suspension suspension_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.suspension
    ADD CONSTRAINT suspension_pkey PRIMARY KEY (id);

--
-- Name: thread_assignment thread_assignment_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.thread_assignment
    ADD CONSTRAINT thread_assignment_pkey PRIMARY KEY (id);

--
-- Name: thread_author thread_author_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.thread_author
    ADD CONSTRAINT thread_author_pkey PRIMARY KEY (thread_id, account_id);

--
-- Name: thread_link thread_link_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.thread_link
    ADD CONSTRAINT thread_link_pkey PRIMARY KEY (change_id, proposal_id);

--
-- Name: thread thread_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.thread
    ADD CONSTRAINT thread_pkey PRIMARY KEY (id);

--
-- Name: thread_report thread_report_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.thread_report
    ADD CONSTRAINT thread_report_pkey PRIMARY KEY (id);

--
-- Name: appeal uq_appeal_action; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.appeal
    ADD CONSTRAINT uq_appeal_action UNIQUE (action_id);

--
-- Name: comment uq_comment_thread_seq; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.comment
    ADD CONSTRAINT uq_comment_thread_seq UNIQUE (thread_id, seq);

--
-- Name: outbox uq_outbox_notice_channel; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.outbox
    ADD CONSTRAINT uq_outbox_notice_channel UNIQUE (notice_id, channel);

--
-- Name: reminder uq_reminder_account_day; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reminder
    ADD CONSTRAINT uq_reminder_account_day UNIQUE (account_id, day);

--
-- Name: report uq_report_comment_account; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.report
    ADD CONSTRAINT uq_report_comment_account UNIQUE (comment_id, account_id);

--
-- Name: revision uq_revision_target_number; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.revision
    ADD CONSTRAINT uq_revision_target_number UNIQUE (target, target_id, number);

--
-- Name: thread_report uq_thread_report_thread_account; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.thread_report
    ADD CONSTRAINT uq_thread_report_thread_account UNIQUE (thread_id, account_id);

--
-- Name: ix_account_factor_account_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_account_factor_account_id ON public.account_factor USING btree (account_id);

--
-- Name: ix_account_session_account_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_account_session_account_id ON public.account_session USING btree (account_id);

--
-- Name: ix_account_session_oidc_sid; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_account_session_oidc_sid ON public.account_session USING btree (oidc_sid);

--
-- Name: ix_answer_draft_state; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_answer_draft_state ON public.answer_draft USING btree (state);

--
-- Name: ix_answer_draft_thread; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_answer_draft_thread ON public.answer_draft USING btree (thread_id, id);

--
-- Name: ix_answer_thread_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_answer_thread_id ON public.answer USING btree (thread_id);

--
-- Name: ix_appeal_account_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_appeal_account_id ON public.appeal USING btree (account_id);

--
-- Name: ix_appeal_decision; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_appeal_decision ON public.appeal USING btree (decision);

--
-- Name: ix_attachment_account_created; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_attachment_account_created ON public.attachment USING btree (account_id, created_at);

--
-- Name: ix_attachment_created_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_attachment_created_at ON public.attachment USING btree (created_at);

--
-- Name: ix_attachment_sha256; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_attachment_sha256 ON public.attachment USING btree (sha256);

--
-- Name: ix_attachment_target; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_attachment_target ON public.attachment USING btree (target, target_id);

--
-- Name: ix_attachment_thread_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_attachment_thread_id ON public.attachment USING btree (thread_id);

--
-- Name: ix_comment_author_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_comment_author_id ON public.comment USING btree (author_id);

--
-- Name: ix_comment_thread_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_comment_thread_id ON public.comment USING btree (thread_id);

--
-- Name: ix_department_member_department_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_department_member_department_id ON public.department_member USING btree (department_id);

--
-- Name: ix_event_created; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_event_created ON public.event USING btree (created_at, id);

--
-- Name: ix_event_thread_seq; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_event_thread_seq ON public.event USING btree (thread_id, seq);

--
-- Name: ix_event_tx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_event_tx ON public.event USING btree (tx, id);

--
-- Name: ix_event_type; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_event_type ON public.event USING btree (type, id);

--
-- Name: ix_follow_thread_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_follow_thread_id ON public.follow USING btree (thread_id);

--
-- Name: ix_held_comment_resolution; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_held_comment_resolution ON public.held_comment USING btree (resolution);

--
-- Name: ix_held_comment_thread_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_held_comment_thread_id ON public.held_comment USING btree (thread_id);

--
-- Name: ix_moderation_action_account_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_moderation_action_account_id ON public.moderation_action USING btree (account_id);

--
-- Name: ix_moderation_action_target; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_moderation_action_target ON public.moderation_action USING btree (kind, target_id, id);

--
-- Name: ix_notice_account; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_notice_account ON public.notice USING btree (account_id, id);

--
-- Name: ix_notice_thread_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_notice_thread_id ON public.notice USING btree (thread_id);

--
-- Name: ix_oidc_login_created_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_oidc_login_created_at ON public.oidc_login USING btree (created_at);

--
-- Name: ix_outbox_account_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_outbox_account_id ON public.outbox USING btree (account_id);

--
-- Name: ix_outbox_due; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_outbox_due ON public.outbox USING btree (next_attempt_at);

--
-- Name: ix_password_token_account_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_password_token_account_id ON public.password_token USING btree (account_id);

--
-- Name: ix_recommendation_thread_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_recommendation_thread_id ON public.recommendation USING btree (thread_id);

--
-- Name: ix_recovery_code_account_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_recovery_code_account_id ON public.recovery_code USING btree (account_id);

--
-- Name: ix_report_comment_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_report_comment_id ON public.report USING btree (comment_id);

--
-- Name: ix_search_document_document; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_search_document_document ON public.search_document USING gin (document);

--
-- Name: ix_search_pending_thread_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_search_pending_thread_id ON public.search_pending USING btree (thread_id);

--
-- Name: ix_staff_note_thread; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_staff_note_thread ON public.staff_note USING btree (thread_id, id);

--
-- Name: ix_suspension_account_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_suspension_account_id ON public.suspension USING btree (account_id);

--
-- Name: ix_thread_activity; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_thread_activity ON public.thread USING btree (last_activity_at, id);

--
-- Name: ix_thread_answer_due; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_thread_answer_due ON public.thread USING btree (answer_due);

--
-- Name: ix_thread_assignment_department_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_thread_assignment_department_id ON public.thread_assignment USING btree (department_id);

--
-- Name: ix_thread_assignment_thread; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_thread_assignment_thread ON public.thread_assignment USING btree (thread_id, id);

--
-- Name: ix_thread_author_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_thread_author_id ON public.thread USING btree (author_id);

--
-- Name: ix_thread_category_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_thread_category_id ON public.thread USING btree (category_id);

--
-- Name: ix_thread_commented; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_thread_commented ON public.thread USING btree (comment_count, id);

--
-- Name: ix_thread_created; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_thread_created ON public.thread USING btree (created_at, id);

--
-- Name: ix_thread_kind; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_thread_kind ON public.thread USING btree (kind);

--
-- Name: ix_thread_link_proposal_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_thread_link_proposal_id ON public.thread_link USING btree (proposal_id);

--
-- Name: ix_thread_recommended; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_thread_recommended ON public.thread USING btree (recommendation_count, id);

--
-- Name: ix_thread_report_thread_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_thread_report_thread_id ON public.thread_report USING btree (thread_id);

--
-- Name: ix_thread_status; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_thread_status ON public.thread USING btree (status);

--
-- Name: account_factor account_factor_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_factor
    ADD CONSTRAINT account_factor_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.account(id);

--
-- Name: account_mail account_mail_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_mail
    ADD CONSTRAINT account_mail_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.account(id);

--
-- Name: account_session account_session_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_session
    ADD CONSTRAINT account_session_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.account(id);

--
-- Name: answer answer_author_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.answer
    ADD CONSTRAINT answer_author_id_fkey FOREIGN KEY (author_id) REFERENCES public.account(id);

--
-- Name: answer_draft answer_draft_answer_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.answer_draft
    ADD CONSTRAINT answer_draft_answer_id_fkey FOREIGN KEY (answer_id) REFERENCES public.answer(id);

--
-- Name: answer_draft answer_draft_approved_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.answer_draft
    ADD CONSTRAINT answer_draft_approved_by_fkey FOREIGN KEY (approved_by) REFERENCES public.account(id);

--
-- Name: answer_draft answer_draft_author_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.answer_draft
    ADD CONSTRAINT answer_draft_author_id_fkey FOREIGN KEY (author_id) REFERENCES public.account(id);

--
-- Name: answer_draft answer_draft_returned_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.answer_draft
    ADD CONSTRAINT answer_draft_returned_by_fkey FOREIGN KEY (returned_by) REFERENCES public.account(id);

--
-- Name: answer_draft answer_draft_thread_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.answer_draft
    ADD CONSTRAINT answer_draft_thread_id_fkey FOREIGN KEY (thread_id) REFERENCES public.thread(id);

--
-- Name: answer answer_thread_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.answer
    ADD CONSTRAINT answer_thread_id_fkey FOREIGN KEY (thread_id) REFERENCES public.thread(id);

--
-- Name: appeal appeal_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.appeal
    ADD CONSTRAINT appeal_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.account(id);

--
-- Name: appeal appeal_action_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.appeal
    ADD CONSTRAINT appeal_action_id_fkey FOREIGN KEY (action_id) REFERENCES public.moderation_action(id);

--
-- Name: attachment attachment_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.attachment
    ADD CONSTRAINT attachment_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.account(id);

--
-- Name: attachment attachment_thread_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.attachment
    ADD CONSTRAINT attachment_thread_id_fkey FOREIGN KEY (thread_id) REFERENCES public.thread(id);

--
-- Name: comment comment_author_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.comment
    ADD CONSTRAINT comment_author_id_fkey FOREIGN KEY (author_id) REFERENCES public.account(id);

--
-- Name: comment comment_parent_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.comment
    ADD CONSTRAINT comment_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES public.comment(id);

--
-- Name: comment comment_thread_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.comment
    ADD CONSTRAINT comment_thread_id_fkey FOREIGN KEY (thread_id) REFERENCES public.thread(id);

--
-- Name: department_member department_member_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.department_member
    ADD CONSTRAINT department_member_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.account(id);

--
-- Name: department_member department_member_department_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.department_member
    ADD CONSTRAINT department_member_department_id_fkey FOREIGN KEY (department_id) REFERENCES public.department(id);

--
-- Name: draft draft_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.draft
    ADD CONSTRAINT draft_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.account(id) ON DELETE CASCADE;

--
-- Name: follow follow_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.follow
    ADD CONSTRAINT follow_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.account(id);

--
-- Name: follow follow_thread_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.follow
    ADD CONSTRAINT follow_thread_id_fkey FOREIGN KEY (thread_id) REFERENCES public.thread(id);

--
-- Name: held_comment held_comment_author_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.held_comment
    ADD CONSTRAINT held_comment_author_id_fkey FOREIGN KEY (author_id) REFERENCES public.account(id);

--
-- Name: held_comment held_comment_comment_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.held_comment
    ADD CONSTRAINT held_comment_comment_id_fkey FOREIGN KEY (comment_id) REFERENCES public.comment(id);

--
-- Name: held_comment held_comment_parent_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.held_comment
    ADD CONSTRAINT held_comment_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES public.comment(id);

--
-- Name: held_comment held_comment_thread_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.held_comment
    ADD CONSTRAINT held_comment_thread_id_fkey FOREIGN KEY (thread_id) REFERENCES public.thread(id);

--
-- Name: moderation_action moderation_action_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.moderation_action
    ADD CONSTRAINT moderation_action_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.account(id);

--
-- Name: moderation_action moderation_action_thread_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.moderation_action
    ADD CONSTRAINT moderation_action_thread_id_fkey FOREIGN KEY (thread_id) REFERENCES public.thread(id);

--
-- Name: notice notice_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.notice
    ADD CONSTRAINT notice_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.account(id);

--
-- Name: notice_seen notice_seen_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.notice_seen
    ADD CONSTRAINT notice_seen_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.account(id);

--
-- Name: notice_seen notice_seen_change_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.notice_seen
    ADD CONSTRAINT notice_seen_change_id_fkey FOREIGN KEY (change_id) REFERENCES public.thread(id);

--
-- Name: notice notice_thread_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.notice
    ADD CONSTRAINT notice_thread_id_fkey FOREIGN KEY (thread_id) REFERENCES public.thread(id);

--
-- Name: outbox outbox_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.outbox
    ADD CONSTRAINT outbox_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.account(id);

--
-- Name: password_token password_token_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.password_token
    ADD CONSTRAINT password_token_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.account(id);

--
-- Name: recommendation recommendation_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recommendation
    ADD CONSTRAINT recommendation_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.account(id);

--
-- Name: recommendation recommendation_thread_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recommendation
    ADD CONSTRAINT recommendation_thread_id_fkey FOREIGN KEY (thread_id) REFERENCES public.thread(id);

--
-- Name: recovery_code recovery_code_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recovery_code
    ADD CONSTRAINT recovery_code_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.account(id);

--
-- Name: reminder reminder_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reminder
    ADD CONSTRAINT reminder_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.account(id);

--
-- Name: report report_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.report
    ADD CONSTRAINT report_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.account(id);

--
-- Name: report report_comment_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.report
    ADD CONSTRAINT report_comment_id_fkey FOREIGN KEY (comment_id) REFERENCES public.comment(id);

--
-- Name: report report_thread_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.report
    ADD CONSTRAINT report_thread_id_fkey FOREIGN KEY (thread_id) REFERENCES public.thread(id);

--
-- Name: revision revision_editor_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.revision
    ADD CONSTRAINT revision_editor_id_fkey FOREIGN KEY (editor_id) REFERENCES public.account(id);

--
-- Name: search_document search_document_thread_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.search_document
    ADD CONSTRAINT search_document_thread_id_fkey FOREIGN KEY (thread_id) REFERENCES public.thread(id);

--
-- Name: search_pending search_pending_comment_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.search_pending
    ADD CONSTRAINT search_pending_comment_id_fkey FOREIGN KEY (comment_id) REFERENCES public.comment(id);

--
-- Name: search_pending search_pending_thread_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.search_pending
    ADD CONSTRAINT search_pending_thread_id_fkey FOREIGN KEY (thread_id) REFERENCES public.thread(id);

--
-- Name: staff_note staff_note_author_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.staff_note
    ADD CONSTRAINT staff_note_author_id_fkey FOREIGN KEY (author_id) REFERENCES public.account(id);

--
-- Name: staff_note staff_note_draft_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.staff_note
    ADD CONSTRAINT staff_note_draft_id_fkey FOREIGN KEY (draft_id) REFERENCES public.answer_draft(id);

--
-- Name: staff_note staff_note_thread_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.staff_note
    ADD CONSTRAINT staff_note_thread_id_fkey FOREIGN KEY (thread_id) REFERENCES public.thread(id);

--
-- Name: suspension suspension_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.suspension
    ADD CONSTRAINT suspension_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.account(id);

--
-- Name: suspension suspension_thread_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.suspension
    ADD CONSTRAINT suspension_thread_id_fkey FOREIGN KEY (thread_id) REFERENCES public.thread(id);

--
-- Name: thread_assignment thread_assignment_assigned_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.thread_assignment
    ADD CONSTRAINT thread_assignment_assigned_by_fkey FOREIGN KEY (assigned_by) REFERENCES public.account(id);

--
-- Name: thread_assignment thread_assignment_assignee_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.thread_assignment
    ADD CONSTRAINT thread_assignment_assignee_id_fkey FOREIGN KEY (assignee_id) REFERENCES public.account(id);

--
-- Name: thread_assignment thread_assignment_department_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.thread_assignment
    ADD CONSTRAINT thread_assignment_department_id_fkey FOREIGN KEY (department_id) REFERENCES public.department(id);

--
-- Name: thread_assignment thread_assignment_thread_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.thread_assignment
    ADD CONSTRAINT thread_assignment_thread_id_fkey FOREIGN KEY (thread_id) REFERENCES public.thread(id);

--
-- Name: thread_author thread_author_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.thread_author
    ADD CONSTRAINT thread_author_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.account(id);

--
-- Name: thread thread_author_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.thread
    ADD CONSTRAINT thread_author_id_fkey FOREIGN KEY (author_id) REFERENCES public.account(id);

--
-- Name: thread_author thread_author_thread_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.thread_author
    ADD CONSTRAINT thread_author_thread_id_fkey FOREIGN KEY (thread_id) REFERENCES public.thread(id);

--
-- Name: thread thread_category_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.thread
    ADD CONSTRAINT thread_category_id_fkey FOREIGN KEY (category_id) REFERENCES public.category(id);

--
-- Name: thread_link thread_link_change_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.thread_link
    ADD CONSTRAINT thread_link_change_id_fkey FOREIGN KEY (change_id) REFERENCES public.thread(id);

--
-- Name: thread_link thread_link_proposal_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.thread_link
    ADD CONSTRAINT thread_link_proposal_id_fkey FOREIGN KEY (proposal_id) REFERENCES public.thread(id);

--
-- Name: thread_report thread_report_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.thread_report
    ADD CONSTRAINT thread_report_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.account(id);

--
-- Name: thread_report thread_report_thread_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.thread_report
    ADD CONSTRAINT thread_report_thread_id_fkey FOREIGN KEY (thread_id) REFERENCES public.thread(id);

--
-- PostgreSQL database dump complete
--
