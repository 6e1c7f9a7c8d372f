// Korean by default, English switchable; the choice is remembered in localStorage.

const STORAGE_KEY = "tong.lang";

const ko = {
  "app.name": "통",
  "app.subtitle": "조달 제도개선 공론장",
  "app.skip": "본문 바로가기",
  "app.footer": "조달청 제도개선 공론장 · 작성자는 공개적으로 익명(기업 n, 기관 n)으로 표시됩니다.",
  "app.staffDashboard": "직원 대시보드",
  "lang.switch": "English",
  "lang.switchLabel": "Switch to English",
  "conn.live": "실시간",
  "conn.connecting": "연결 중",
  "conn.reconnecting": "재연결 중",
  "conn.offline": "오프라인",
  "conn.label": "실시간 연결 상태: {state}",
  "nav.board": "제안 목록",
  "nav.login": "로그인",
  "nav.logout": "로그아웃",
  "nav.signedInAs": "{login} 님",
  "nav.myActivity": "내 활동",
  "kind.proposal": "제도개선 제안",
  "kind.change": "이렇게 바꾸었습니다",
  "kind.all": "전체",
  "kind.filter": "글 종류",
  "status.received": "접수",
  "status.reviewing": "검토중",
  "status.answered": "답변완료",
  "status.all": "모든 상태",
  "status.label": "처리 상태",
  "outcome.accepted": "반영",
  "outcome.partially_accepted": "부분반영",
  "outcome.declined": "불채택",
  "sort.label": "정렬",
  "sort.latest": "최신순",
  "sort.recommended": "추천순",
  "sort.active": "최근 활동순",
  "sort.commented": "댓글 많은순",
  "search.label": "검색어",
  "search.placeholder": "제목·내용 검색",
  "search.submit": "검색",
  "search.clear": "검색 지우기",
  "board.title": "제도개선 제안",
  "board.intro": "조달기업과 수요기관이 제도 개선을 제안하고, 조달청이 공식 답변합니다. 분기마다 ‘이렇게 바꾸었습니다’로 결과를 알려 드립니다.",
  "board.new": "새 글 {n}개",
  "board.newShow": "새 글 {n}개 보기",
  "board.empty": "조건에 맞는 글이 없습니다.",
  "board.more": "더 보기",
  "board.loading": "불러오는 중…",
  "board.propose": "제안하기",
  "board.results": "검색 결과 {n}건 이상",
  "board.listLabel": "글 목록",
  "board.by.company": "기업 제안",
  "board.by.agency": "기관 제안",
  "author.op": "작성자",
  "author.mine": "내 글",
  "author.staff": "조달청",
  "count.recommend": "추천 {n}",
  "count.comments": "댓글 {n}",
  "count.watchers": "{n}명 보는 중",
  "thread.back": "목록으로",
  "thread.recommend": "추천",
  "thread.recommendTarget": " (이 제안)",
  "thread.answers": "공식 답변",
  "thread.links": "이 글에서 다룬 제안",
  "thread.changedIn": "이 제안을 반영한 변경 안내",
  "thread.answerInterim": "중간 답변",
  "thread.answerFinal": "최종 답변",
  "thread.noAnswer": "아직 공식 답변이 없습니다. 접수된 제안은 담당 부서가 검토합니다.",
  "thread.comments": "댓글",
  "thread.commentsCount": "댓글 {n}개",
  "thread.noComments": "첫 댓글을 남겨 주세요.",
  "thread.notFound": "글을 찾을 수 없습니다.",
  "notFound.title": "페이지를 찾을 수 없습니다.",
  "notFound.help": "주소가 바뀌었거나 없는 페이지입니다. 제안 목록에서 찾아 보세요.",
  "notFound.threadHelp": "삭제되었거나 없는 글 번호입니다. 제안 목록에서 찾아 보세요.",
  "notFound.back": "제안 목록으로",
  "thread.loadError": "글을 불러오지 못했습니다.",
  "thread.retry": "다시 시도",
  "thread.newBelow": "새 댓글 {n}개 ↓",
  "thread.pause": "실시간 일시정지",
  "thread.resume": "실시간 다시 시작",
  "thread.pausedNote": "실시간 업데이트가 일시정지되었습니다. 대기 중 {n}건",
  "thread.pausedNoteEmpty": "실시간 업데이트가 일시정지되었습니다.",
  "thread.announceComment": "새 댓글: {author}, {text}",
  "thread.announceComments": "새 댓글 {n}개가 도착했습니다.",
  "thread.announceAnswer": "조달청 공식 답변이 등록되었습니다. 상태: {status}",
  "thread.announceStatus": "처리 상태가 바뀌었습니다: {status}",
  "thread.loginToComment": "댓글을 쓰려면 로그인하세요.",
  "thread.loginToRecommend": "추천하려면 로그인하세요.",
  "comment.reply": "답글",
  "comment.replyTo": "{author}에게 답글",
  "comment.cancel": "취소",
  "comment.held": "근무 시간 외에 올린 댓글이라 담당자 확인 후 게시됩니다.",
  "comment.report": "신고",
  "comment.reportReason": "신고 사유",
  "comment.reportSend": "신고하기",
  "comment.reported": "신고가 접수되었습니다.",
  "comment.hidden": "운영 원칙에 따라 숨겨진 댓글입니다.",
  "comment.hiddenReason": "숨김 사유: {reason}",
  "comment.hide": "숨기기",
  "comment.hideReason": "숨김 사유",
  "comment.hideSend": "숨기기",
  "comment.restore": "복원",
  "comment.recommendTarget": " (이 댓글)",
  "comment.new": "새 댓글",
  "comment.copyLink": "링크 복사",
  "comment.linkCopied": "링크를 복사했습니다.",
  "comment.linkInAddressBar": "주소창에 이 글의 링크가 있습니다.",
  "thread.answerNew": "새 답변",
  "composer.comment": "댓글 쓰기",
  "composer.reply": "답글 쓰기",
  "composer.placeholder": "의견을 남겨 주세요. 작성자는 ‘기업 n’, ‘기관 n’으로만 표시됩니다.",
  "composer.submit": "등록",
  "composer.sending": "등록 중…",
  "composer.counter": "{n} / {max}자",
  "composer.over": "{n}자 초과",
  "composer.failed": "등록하지 못했습니다: {message}",
  "composer.network": "서버에 연결할 수 없습니다. 작성한 내용은 그대로 남아 있습니다.",
  "newThread.title": "새 글 쓰기",
  "newThread.kind": "글 종류",
  "newThread.titleLabel": "제목",
  "newThread.category": "분류 (선택)",
  "newThread.categoryPlaceholder": "예: 전자조달, 계약제도",
  "newThread.body": "내용",
  "newThread.bodyPlaceholder": "현재 제도의 문제와 바꾸었으면 하는 점을 구체적으로 적어 주세요.",
  "newThread.submit": "등록하기",
  "newThread.cancel": "닫기",
  "category.filter": "분류",
  "category.all": "모든 분류",
  "category.none": "분류 없음",
  "category.retired": "사용 중지",
  "category.count": "{n}건",
  "links.pick": "이 글이 반영한 제안",
  "links.chosen": "연결한 제안",
  "links.none": "아직 연결한 제안이 없습니다.",
  "links.search": "제안 찾기",
  "links.searchHint": "제목이나 내용의 낱말을 입력하면 제안이 나옵니다. 아래 화살표로 결과로 이동합니다.",
  "links.searchPlaceholder": "예: 입찰 보증금",
  "links.results": "찾은 제안",
  "links.found": "제안 {n}건을 찾았습니다",
  "links.noResults": "맞는 제안이 없습니다",
  "links.add": "연결",
  "links.addLabel": "‘{title}’ 연결",
  "links.added": "‘{title}’을(를) 연결했습니다",
  "links.remove": "빼기",
  "links.removeLabel": "‘{title}’ 연결 해제",
  "links.removed": "‘{title}’을(를) 뺐습니다",
  "links.edit": "연결한 제안 고치기",
  "links.save": "연결 저장",
  "links.cancel": "취소",
  "links.saved": "연결을 저장했습니다",
  "changedIn.notice": "이 제안이 반영되었습니다",
  "changedIn.see": "바뀐 내용 보기: {title}",
  "changedIn.announce": "이 제안이 반영되었습니다: {title}",
  "record.nav": "답변 기록",
  "record.title": "답변 기록",
  "record.intro": "조달청이 제안에 최종 답변하기까지 걸린 시간과 결과입니다. 직원 대시보드와 같은 계산으로 보여 드립니다.",
  "record.median": "최근 {n}일 최종 답변까지 (중앙값)",
  "record.medianAll": "전체 기간 중앙값 {v}",
  "record.within": "목표({n}일) 안에 답변한 비율",
  "record.withinNote": "최종 답변 {n}건 기준",
  "record.overdue": "목표({n}일)보다 오래 기다리는 제안",
  "record.overdueNote": "답변을 기다리는 제안 {n}건 중",
  "record.days": "{n}일",
  "record.none": "–",
  "record.quarters": "분기별 최종 답변 결과",
  "record.quarter": "분기",
  "record.total": "합계",
  "record.chartLabel": "분기별 결과 막대그래프: 가로축 분기, 세로축 답변 건수",
  "record.axisX": "분기",
  "record.axisY": "건수",
  "record.tableCaption": "분기별 최종 답변 결과 (표)",
  "record.empty": "아직 최종 답변이 없습니다.",
  "record.updated": "기준 시각",
  "record.header": "최종 답변까지 중앙값 {median} · 목표 안 답변 {share}",
  "record.headerLink": "답변 기록 보기",
  "staff.tools": "조달청 처리 도구",
  "staff.answer": "공식 답변 등록",
  "staff.answerBody": "답변 내용",
  "staff.outcome": "처리 결과",
  "staff.outcomeNone": "결과 없음 (중간 답변 → 검토중)",
  "staff.outcomeHelp": "결과를 고르면 최종 답변이 되어 ‘답변완료’로 바뀝니다.",
  "staff.answerSubmit": "답변 등록",
  "staff.status": "처리 상태 변경",
  "staff.statusSet.received": "접수로 변경",
  "staff.statusSet.reviewing": "검토중으로 변경",
  "staff.statusCurrent": "현재 상태: {status}",
  "staff.changeThreadNote": "변경 안내 글에는 처리 상태와 공식 답변이 없습니다.",
  "login.title": "로그인",
  "login.intro": "조달기업·수요기관·조달청 계정으로 로그인합니다.",
  "login.login": "아이디",
  "login.password": "비밀번호",
  "login.submit": "로그인",
  "login.failed": "로그인하지 못했습니다: {message}",
  "login.wrong": "아이디 또는 비밀번호가 맞지 않습니다.",
  "error.generic": "문제가 생겼습니다: {message}",
  "error.network": "서버에 연결할 수 없습니다.",
  "error.ownPost": "자신의 글은 추천할 수 없습니다.",
  "time.justNow": "방금 전",
  "time.kst": "{time} (KST)",
};

const en = {
  "app.name": "Tong",
  "app.subtitle": "Procurement improvement forum",
  "app.skip": "Skip to content",
  "app.footer": "Public Procurement Service improvement forum · Authors appear anonymously (Company n, Agency n).",
  "app.staffDashboard": "Staff dashboard",
  "lang.switch": "한국어",
  "lang.switchLabel": "한국어 화면으로 보기",
  "conn.live": "Live",
  "conn.connecting": "Connecting",
  "conn.reconnecting": "Reconnecting",
  "conn.offline": "Offline",
  "conn.label": "Live connection: {state}",
  "nav.board": "Proposals",
  "nav.login": "Log in",
  "nav.logout": "Log out",
  "nav.signedInAs": "{login}",
  "nav.myActivity": "My activity",
  "kind.proposal": "Proposal",
  "kind.change": "What we changed",
  "kind.all": "All",
  "kind.filter": "Kind",
  "status.received": "Received",
  "status.reviewing": "Under review",
  "status.answered": "Answered",
  "status.all": "Any status",
  "status.label": "Status",
  "outcome.accepted": "Accepted",
  "outcome.partially_accepted": "Partly accepted",
  "outcome.declined": "Declined",
  "sort.label": "Sort",
  "sort.latest": "Latest",
  "sort.recommended": "Most recommended",
  "sort.active": "Recently active",
  "sort.commented": "Most comments",
  "search.label": "Search",
  "search.placeholder": "Search titles and text",
  "search.submit": "Search",
  "search.clear": "Clear search",
  "board.title": "Improvement proposals",
  "board.intro": "Suppliers and public agencies propose improvements to procurement rules; the Public Procurement Service answers officially and reports each quarter what it changed.",
  "board.new": "{n} new",
  "board.newShow": { one: "Show {n} new thread", other: "Show {n} new threads" },
  "board.empty": "Nothing matches.",
  "board.more": "Load more",
  "board.loading": "Loading…",
  "board.propose": "Propose",
  "board.results": { one: "{n}+ result", other: "{n}+ results" },
  "board.listLabel": "Threads",
  "board.by.company": "Proposed by a company",
  "board.by.agency": "Proposed by an agency",
  "author.op": "Author",
  "author.mine": "Mine",
  "author.staff": "PPS",
  "count.recommend": { one: "{n} recommendation", other: "{n} recommendations" },
  "count.comments": { one: "{n} comment", other: "{n} comments" },
  "count.watchers": "{n} watching",
  "thread.back": "Back to list",
  "thread.recommend": "Recommend",
  "thread.recommendTarget": " (this proposal)",
  "thread.answers": "Official answers",
  "thread.links": "Proposals this change answers",
  "thread.changedIn": "Changes made from this proposal",
  "thread.answerInterim": "Interim answer",
  "thread.answerFinal": "Final answer",
  "thread.noAnswer": "No official answer yet. The responsible department reviews every proposal.",
  "thread.comments": "Comments",
  "thread.commentsCount": { one: "{n} comment", other: "{n} comments" },
  "thread.noComments": "Be the first to comment.",
  "thread.notFound": "This thread does not exist.",
  "notFound.title": "Page not found.",
  "notFound.help": "The address has changed or never existed. Try the list of proposals.",
  "notFound.threadHelp": "There is no thread with this number. Try the list of proposals.",
  "notFound.back": "Back to proposals",
  "thread.loadError": "Could not load this thread.",
  "thread.retry": "Try again",
  "thread.newBelow": "{n} new below ↓",
  "thread.pause": "Pause live updates",
  "thread.resume": "Resume live updates",
  "thread.pausedNote": { one: "Live updates paused. {n} update waiting", other: "Live updates paused. {n} updates waiting" },
  "thread.pausedNoteEmpty": "Live updates paused.",
  "thread.announceComment": "New comment: {author}, {text}",
  "thread.announceComments": { one: "{n} new comment arrived.", other: "{n} new comments arrived." },
  "thread.announceAnswer": "An official answer was posted. Status: {status}",
  "thread.announceStatus": "Status changed to {status}.",
  "thread.loginToComment": "Log in to comment.",
  "thread.loginToRecommend": "Log in to recommend.",
  "comment.reply": "Reply",
  "comment.replyTo": "Reply to {author}",
  "comment.cancel": "Cancel",
  "comment.held": "Posted outside office hours: a moderator will check it before it appears.",
  "comment.report": "Report",
  "comment.reportReason": "Reason for reporting",
  "comment.reportSend": "Send report",
  "comment.reported": "Report received.",
  "comment.hidden": "This comment was hidden by a moderator.",
  "comment.hiddenReason": "Reason: {reason}",
  "comment.hide": "Hide",
  "comment.hideReason": "Reason for hiding",
  "comment.hideSend": "Hide",
  "comment.restore": "Restore",
  "comment.recommendTarget": " (this comment)",
  "comment.new": "New",
  "comment.copyLink": "Copy link",
  "comment.linkCopied": "Link copied.",
  "comment.linkInAddressBar": "The link is in the address bar now.",
  "thread.answerNew": "New answer",
  "composer.comment": "Write a comment",
  "composer.reply": "Write a reply",
  "composer.placeholder": "Share your view. You appear only as ‘Company n’ or ‘Agency n’.",
  "composer.submit": "Post",
  "composer.sending": "Posting…",
  "composer.counter": "{n} / {max}",
  "composer.over": "{n} over",
  "composer.failed": "Not posted: {message}",
  "composer.network": "Cannot reach the server. Your text is kept.",
  "newThread.title": "New thread",
  "newThread.kind": "Kind",
  "newThread.titleLabel": "Title",
  "newThread.category": "Category (optional)",
  "newThread.categoryPlaceholder": "e.g. e-procurement, contracts",
  "newThread.body": "Text",
  "newThread.bodyPlaceholder": "Describe the current rule, the problem, and what should change.",
  "newThread.submit": "Post",
  "newThread.cancel": "Close",
  "category.filter": "Category",
  "category.all": "All categories",
  "category.none": "No category",
  "category.retired": "retired",
  "category.count": "{n}",
  "links.pick": "Proposals this thread resolves",
  "links.chosen": "Linked proposals",
  "links.none": "No proposals linked yet.",
  "links.search": "Find proposals",
  "links.searchHint": "Type words from a title or text; press the down arrow to move to the results.",
  "links.searchPlaceholder": "e.g. bid bond",
  "links.results": "Proposals found",
  "links.found": { one: "{n} proposal found", other: "{n} proposals found" },
  "links.noResults": "No matching proposals",
  "links.add": "Link",
  "links.addLabel": "Link “{title}”",
  "links.added": "Linked “{title}”",
  "links.remove": "Remove",
  "links.removeLabel": "Unlink “{title}”",
  "links.removed": "Removed “{title}”",
  "links.edit": "Edit linked proposals",
  "links.save": "Save links",
  "links.cancel": "Cancel",
  "links.saved": "Links saved",
  "changedIn.notice": "This proposal was put into practice",
  "changedIn.see": "See what changed: {title}",
  "changedIn.announce": "This proposal was put into practice: {title}",
  "record.nav": "Answer record",
  "record.title": "Answer record",
  "record.intro": "How long the Public Procurement Service takes to give proposals a final answer, and what the answers were. The staff dashboard computes the same figures.",
  "record.median": "Median days to a final answer, last {n} days",
  "record.medianAll": "All-time median {v}",
  "record.within": "Answered within the target ({n} days)",
  "record.withinNote": { one: "of {n} final answer", other: "of {n} final answers" },
  "record.overdue": "Proposals waiting longer than {n} days",
  "record.overdueNote": { one: "of {n} waiting proposal", other: "of {n} waiting proposals" },
  "record.days": { one: "{n} day", other: "{n} days" },
  "record.none": "–",
  "record.quarters": "Final answers per quarter",
  "record.quarter": "Quarter",
  "record.total": "Total",
  "record.chartLabel": "Bar chart of outcomes per quarter: quarters across, number of answers up",
  "record.axisX": "Quarter",
  "record.axisY": "Answers",
  "record.tableCaption": "Final answers per quarter (table)",
  "record.empty": "No final answers yet.",
  "record.updated": "As of",
  "record.header": "Median {median} to a final answer · {share} within the target",
  "record.headerLink": "See the answer record",
  "staff.tools": "Staff tools",
  "staff.answer": "Post an official answer",
  "staff.answerBody": "Answer",
  "staff.outcome": "Outcome",
  "staff.outcomeNone": "No outcome (interim → under review)",
  "staff.outcomeHelp": "Choosing an outcome makes the answer final and the status ‘answered’.",
  "staff.answerSubmit": "Post answer",
  "staff.status": "Change status",
  "staff.statusSet.received": "Set to received",
  "staff.statusSet.reviewing": "Set to under review",
  "staff.statusCurrent": "Current status: {status}",
  "staff.changeThreadNote": "Change threads have no status and no official answers.",
  "login.title": "Log in",
  "login.intro": "Log in with a supplier, agency or PPS staff account.",
  "login.login": "Login",
  "login.password": "Password",
  "login.submit": "Log in",
  "login.failed": "Could not log in: {message}",
  "login.wrong": "The login or the password is wrong.",
  "error.generic": "Something went wrong: {message}",
  "error.network": "Cannot reach the server.",
  "error.ownPost": "You cannot recommend your own post.",
  "time.justNow": "just now",
  "time.kst": "{time} (KST)",
};

const dictionaries = { ko, en };

/** More strings for one page (the staff dashboard adds its own): {ko: {...}, en: {...}}. */
export function addStrings(extra) {
  for (const [name, entries] of Object.entries(extra)) Object.assign(dictionaries[name], entries);
}

/** Elements written in the HTML with data-i18n="key" (text) or data-i18n-label="key" (aria-label). */
export function translateStatic(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-label]")) el.setAttribute("aria-label", t(el.dataset.i18nLabel));
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
}
const listeners = new Set();

function initial() {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (stored && stored in dictionaries) return stored;
  } catch {
    // Storage can be unavailable (private mode); Korean is the default.
  }
  return "ko";
}

let current = initial();

export function lang() {
  return current;
}

export function setLang(next) {
  if (!(next in dictionaries) || next === current) return;
  current = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // Not remembered, but still switched for this page.
  }
  document.documentElement.lang = next;
  for (const fn of listeners) fn(next);
}

export function onLangChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

const numberFormats = {};
export function formatNumber(n) {
  numberFormats[current] ??= new Intl.NumberFormat(current === "ko" ? "ko-KR" : "en-US");
  return numberFormats[current].format(n);
}

/**
 * t("count.comments", {n: 3}) → "댓글 3"; numbers are formatted for the language. An entry may be an
 * object of plural forms ({one, other}): English has "1 comment" / "2 comments", Korean has one form.
 */
const pluralRules = {};
/** The form of a plural entry ({one, other, …}) that Intl.PluralRules picks for n. */
function pluralForm(entry, n) {
  pluralRules[current] ??= new Intl.PluralRules(current === "ko" ? "ko-KR" : "en-US");
  const category = typeof n === "number" ? pluralRules[current].select(n) : "other";
  return entry[category] ?? entry.other;
}

export function t(key, vars) {
  let text = dictionaries[current][key] ?? ko[key] ?? key;
  if (typeof text === "object") text = pluralForm(text, vars && vars.n);
  if (vars) {
    text = text.replace(/\{(\w+)\}/g, (whole, name) => {
      const value = vars[name];
      if (value === undefined) return whole;
      return typeof value === "number" ? formatNumber(value) : String(value);
    });
  }
  return text;
}

/** Pseudonyms come from the server in Korean ("기업 2"); English readers get "Company 2". */
export function authorLabel(author) {
  if (!author) return "";
  if (current === "ko") return author.label;
  if (author.kind === "staff") return "PPS";
  const number = /(\d+)\s*$/.exec(author.label || "");
  const word = author.kind === "company" ? "Company" : author.kind === "agency" ? "Agency" : author.label;
  return number ? `${word} ${number[1]}` : word;
}

document.documentElement.lang = current;
