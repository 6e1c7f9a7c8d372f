// @ts-check
// The API's error codes in the reader's language. The server's `message` is English, for logs and
// scripts; what a person reads comes from `code` and the field codes of `fields` (see the API
// document at /api/docs). A code this table does not know falls back to the server's message.
import { lang } from "./i18n.js";

const ko = {
  codes: {
    validation_error: "입력한 내용을 확인해 주세요.",
    invalid_json: "요청 형식이 올바르지 않습니다.",
    too_large: "보낸 내용이 너무 큽니다.",
    not_found: "찾을 수 없습니다. 삭제되었거나 주소가 잘못되었습니다.",
    method_not_allowed: "허용되지 않는 요청입니다.",
    unauthorized: "로그인이 필요합니다.",
    login_required: "로그인이 필요합니다.",
    login_failed: "아이디 또는 비밀번호가 맞지 않습니다.",
    use_sso: "포털 통합 로그인으로 들어와 주세요. (비밀번호 로그인은 조달청 직원용입니다.)",
    kind_unknown: "통합 로그인 정보에 기업인지 기관인지가 없어 들어올 수 없습니다.",
    account_disabled: "사용이 중지된 계정입니다.",
    access_denied: "로그인을 취소했거나 허용하지 않았습니다. 다시 로그인해 주세요.",
    consent_required: "나라장터에서 정보 제공에 동의해야 로그인할 수 있습니다.",
    interaction_required: "나라장터에서 추가 확인이 필요합니다. 다시 로그인해 주세요.",
    temporarily_unavailable: "나라장터 로그인이 잠시 응답하지 않습니다. 잠시 후 다시 시도해 주세요.",
    oidc_provider_error: "나라장터 로그인이 오류를 알려 왔습니다. 다시 시도해 주세요.",
    oidc_off: "이 게시판은 나라장터 로그인을 쓰지 않습니다.",
    oidc_state: "로그인 요청이 만료되었거나 이미 사용되었습니다. 처음부터 다시 로그인해 주세요.",
    oidc_token: "나라장터가 보낸 로그인 정보를 확인할 수 없습니다. 다시 시도해 주세요.",
    oidc_unavailable: "나라장터 로그인에 연결할 수 없습니다. 잠시 후 다시 시도해 주세요.",
    forbidden: "권한이 없습니다.",
    staff_only: "조달청 직원만 할 수 있습니다.",
    moderator_only: "관리 권한이 있는 직원만 할 수 있습니다.",
    admin_only: "관리자만 할 수 있습니다.",
    cross_origin: "다른 사이트에서 보낸 요청은 받지 않습니다.",
    conflict: "현재 상태와 맞지 않아 처리하지 못했습니다. 새로고침 후 다시 시도해 주세요.",
    own_post: "자신의 글은 추천할 수 없습니다.",
    comment_hidden: "관리자가 숨긴 댓글이라 할 수 없습니다.",
    already_hidden: "이미 숨겨진 댓글입니다.",
    not_hidden: "숨겨진 댓글이 아닙니다.",
    already_reported: "이미 신고한 댓글입니다.",
    not_a_proposal: "제도개선 제안에만 할 수 있습니다.",
    not_a_change_thread: "'이렇게 바꾸었습니다' 글에만 할 수 있습니다.",
    category_taken: "같은 이름이나 주소 이름의 분류가 이미 있습니다.",
    approval_required: "답변은 초안으로 작성해 결재를 받아야 게시됩니다.",
    approver_only: "결재 권한이 있는 직원만 할 수 있습니다.",
    own_draft: "자신이 작성한 초안은 직접 결재할 수 없습니다.",
    draft_state: "지금 단계의 답변에는 할 수 없습니다.",
    department_taken: "같은 이름의 부서가 이미 있습니다.",
    already_decided: "이미 처리된 댓글입니다.",
    no_open_reports: "처리할 신고가 없습니다.",
    personal_information: "작성자를 알아볼 수 있는 정보({kinds})가 있어 등록하지 않았습니다. 지우고 다시 올려 주세요.",
    rate_limited: "너무 자주 작성했습니다. 잠시 후 다시 시도해 주세요.",
    unavailable: "서버가 잠시 응답하지 못합니다. 잠시 후 다시 시도해 주세요.",
    internal_error: "서버에 문제가 생겼습니다.",
    mail_disabled: "이 서버는 메일을 보내지 않습니다.",
    no_address: "먼저 이메일 주소를 등록해 주세요.",
    invalid_token: "링크가 올바르지 않거나 이미 사용되었습니다.",
    expired_token: "링크의 유효 기간(48시간)이 지났습니다. 주소를 다시 등록해 주세요.",
    not_author: "작성자만 할 수 있습니다.",
    // The comment window is the server's setting (TONG_COMMENT_EDIT_HOURS): not a number here.
    edit_window_closed: "수정할 수 있는 기간이 지났습니다. (제안은 첫 공식 답변 전까지, 댓글은 올린 뒤 정해진 시간 동안만 고칠 수 있습니다.)",
    edit_needs_review: "지금 시간에는 관리자가 먼저 확인하는 낱말이 수정에 들어 있어 저장하지 않았습니다. 새 댓글로 올리면 확인 뒤 게시됩니다.",
    thread_withdrawn: "철회된 제안이라 할 수 없습니다.",
    already_withdrawn: "이미 철회된 제안입니다.",
    already_answered: "최종 답변을 받은 제안은 철회할 수 없습니다.",
    comment_withdrawn: "작성자가 삭제한 댓글입니다.",
    bad_request: "요청이 올바르지 않습니다.",
    http_error: "요청을 처리하지 못했습니다.",
    session_ended: "로그인이 끝났습니다. 다시 로그인해 주세요.",
    bad_frame: "실시간 연결에 잘못된 메시지를 보냈습니다.",
    unknown_op: "실시간 연결이 알 수 없는 요청을 받았습니다.",
    unknown_channel: "없는 실시간 채널입니다.",
    too_many_channels: "한 연결에서 볼 수 있는 채널이 너무 많습니다.",
    too_many_sockets: "이 주소에서 연 실시간 연결이 너무 많습니다. 다른 탭을 닫아 주세요.",
    too_many_connections: "이 주소에서 진행 중인 요청이 너무 많습니다. 잠시 후 다시 시도해 주세요.",
  },
  fields: {
    required: "{field}을(를) 입력해 주세요.",
    empty: "{field}이(가) 비어 있습니다.",
    too_long: "{field}이(가) 너무 깁니다.",
    too_short: "{field}이(가) 너무 짧습니다.",
    too_many: "{field}이(가) 너무 많습니다.",
    nul_character: "{field}에 쓸 수 없는 문자가 있습니다.",
    out_of_range: "{field} 값이 범위를 벗어났습니다.",
    unknown: "{field} 값이 올바르지 않습니다.",
    invalid: "{field} 값이 올바르지 않습니다.",
    not_found: "{field}에 해당하는 글을 찾을 수 없습니다.",
    is_a_reply: "답글에는 답글을 달 수 없습니다.",
    retired: "{field}은(는) 사용이 중지되어 고를 수 없습니다.",
    taken: "같은 {field}이(가) 이미 있습니다.",
    not_a_proposal: "{field}에는 제도개선 제안만 연결할 수 있습니다.",
    wrong_password: "현재 비밀번호가 맞지 않습니다.",
  },
  names: {
    title: "제목",
    body: "내용",
    category: "분류",
    reason: "사유",
    parent_id: "원 댓글",
    login: "아이디",
    password: "비밀번호",
    links: "연결한 제안",
    address: "이메일 주소",
    current: "현재 비밀번호",
    new: "새 비밀번호",
  },
  kinds: {
    resident_registration_number: "주민등록번호",
    business_registration_number: "사업자등록번호",
    phone_number: "전화번호",
    email_address: "이메일 주소",
  },
  field: "입력값",
};

const en = {
  codes: {
    validation_error: "Please check what you entered.",
    invalid_json: "The request was malformed.",
    too_large: "What you sent is too large.",
    not_found: "Not found: it was removed or the address is wrong.",
    method_not_allowed: "That request is not allowed.",
    unauthorized: "Please log in.",
    login_required: "Please log in.",
    login_failed: "The login or password is wrong.",
    use_sso: "Sign in through the portal (password logins are for staff).",
    kind_unknown: "The portal did not say whether this is a company or an agency, so you cannot sign in.",
    account_disabled: "This account is disabled.",
    access_denied: "You cancelled or did not allow the sign-in. Sign in again.",
    consent_required: "The portal needs your consent to share your organisation type.",
    interaction_required: "The portal needs you to confirm something. Sign in again.",
    temporarily_unavailable: "The portal's sign-in is not answering right now. Try again in a few minutes.",
    oidc_provider_error: "The portal's sign-in reported an error. Try again.",
    oidc_off: "This board does not use the portal's sign-in.",
    oidc_state: "This sign-in link has expired or was already used. Start the sign-in again.",
    oidc_token: "The sign-in information from the portal could not be verified. Try again.",
    oidc_unavailable: "The portal's sign-in cannot be reached. Try again in a few minutes.",
    forbidden: "You are not allowed to do this.",
    staff_only: "Only Public Procurement Service staff can do this.",
    moderator_only: "Only staff with the moderator role can do this.",
    admin_only: "Only administrators can do this.",
    cross_origin: "Requests from other sites are refused.",
    conflict: "This no longer matches the current state. Reload and try again.",
    own_post: "You cannot recommend your own post.",
    comment_hidden: "The comment was hidden by a moderator, so this cannot be done.",
    already_hidden: "The comment is already hidden.",
    not_hidden: "The comment is not hidden.",
    already_reported: "You have already reported this comment.",
    not_a_proposal: "Only proposals allow this.",
    not_a_change_thread: "Only 'What we changed' threads allow this.",
    category_taken: "A category with that name or address name exists.",
    approval_required: "An answer must be drafted and approved before it is published.",
    approver_only: "Only staff with the approver role can do this.",
    own_draft: "You cannot approve a draft you wrote.",
    draft_state: "The answer is not at a step that allows this.",
    department_taken: "A department with that name exists.",
    already_decided: "This held comment was already decided.",
    no_open_reports: "There are no open reports.",
    personal_information: "Not posted: the text contains a {kinds} that could identify the author. Remove it and post again.",
    rate_limited: "You are writing too often. Please wait a moment.",
    unavailable: "The server cannot answer right now. Please try again shortly.",
    internal_error: "Something went wrong on the server.",
    mail_disabled: "This server sends no mail.",
    no_address: "Add an e-mail address first.",
    invalid_token: "This link is not valid or was already used.",
    expired_token: "This link has expired (48 hours). Add the address again.",
    not_author: "Only the author can do this.",
    edit_window_closed: "The time for editing has passed (a proposal until its first official answer, a comment only for a while after it is posted).",
    edit_needs_review: "At this hour the edit contains words a moderator checks first, so it was not saved. Post it as a new comment to have it checked.",
    thread_withdrawn: "The proposal was withdrawn.",
    already_withdrawn: "The proposal is already withdrawn.",
    already_answered: "A proposal with a final answer cannot be withdrawn.",
    comment_withdrawn: "The comment was deleted by its author.",
    bad_request: "The request was not valid.",
    http_error: "The request could not be handled.",
    session_ended: "Your session ended. Please log in again.",
    bad_frame: "The live connection sent a message the server does not accept.",
    unknown_op: "The live connection sent a request the server does not know.",
    unknown_channel: "There is no such live channel.",
    too_many_channels: "Too many channels on one live connection.",
    too_many_sockets: "Too many live connections from this address. Close other tabs.",
    too_many_connections: "Too many requests in progress from this address. Try again shortly.",
  },
  fields: {
    required: "{field} is required.",
    empty: "{field} must not be empty.",
    too_long: "{field} is too long.",
    too_short: "{field} is too short.",
    too_many: "{field}: too many.",
    nul_character: "{field} contains a character that cannot be used.",
    out_of_range: "{field} is out of range.",
    unknown: "{field} is not a valid choice.",
    invalid: "{field} is not valid.",
    not_found: "{field}: no such post.",
    is_a_reply: "Replies go one level deep: reply to the top-level comment.",
    retired: "{field} is retired and cannot be chosen.",
    taken: "{field} is already taken.",
    not_a_proposal: "{field}: only proposals can be linked.",
    wrong_password: "The current password is wrong.",
  },
  names: {
    title: "Title",
    body: "Text",
    category: "Category",
    reason: "Reason",
    parent_id: "Parent comment",
    login: "Login",
    password: "Password",
    links: "Linked proposals",
    address: "E-mail address",
    current: "Current password",
    new: "New password",
  },
  kinds: {
    resident_registration_number: "resident registration number",
    business_registration_number: "business registration number",
    phone_number: "phone number",
    email_address: "e-mail address",
  },
  field: "A value",
};

const tables = { ko, en };

function fill(template, vars) {
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? vars[name] : whole));
}

/**
 * What to tell a person about an API error (an ApiError: status, code, message, fields), in the
 * current language; null when the code is unknown here (then the caller shows the server's message).
 */
export function errorText(err) {
  if (!err || !err.code) return null;
  const table = tables[lang()] || ko;
  const fields = err.fields || {};
  if (err.code === "personal_information") {
    const kinds = Object.values(fields)
      .flatMap((value) => String(value).split(","))
      .map((kind) => table.kinds[kind] || kind);
    return fill(table.codes.personal_information, { kinds: [...new Set(kinds)].join(", ") });
  }
  const explained = Object.entries(fields)
    .map(([path, code]) => {
      const template = table.fields[code];
      if (!template) return null;
      const name = table.names[path.split(".")[0]] || table.field;
      return fill(template, { field: name });
    })
    .filter(Boolean);
  if (explained.length) return explained.join(" ");
  return table.codes[err.code] || null;
}

/** The sentence for an error: its code translated, else the server's message (the dashboard). */
export function explain(err) {
  return errorText(err) || (err && err.message) || String(err);
}
