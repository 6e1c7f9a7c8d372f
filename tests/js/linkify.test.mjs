// URLs in bodies as links (static/js/linkify.js). Run: node --test tests/js/

import assert from "node:assert/strict";
import { test } from "node:test";

import { pieces, REL } from "../../static/js/linkify.js";

/** The links `pieces` finds in `text`. */
function links(text) {
  return pieces(text)
    .filter((p) => p.href)
    .map((p) => p.href);
}

test("pieces give the text back whole, links and all", () => {
  for (const text of ["", "링크 없음", "https://a.kr", "앞 https://a.kr/x?y=1#z 뒤 http://b.kr.", "(https://c.kr/d)"]) {
    assert.equal(
      pieces(text)
        .map((p) => p.text)
        .join(""),
      text,
    );
  }
  assert.deepEqual(pieces(""), [{ text: "" }]);
});

test("an http or https URL is a link whose text is the URL", () => {
  assert.deepEqual(pieces("공고문: https://www.g2b.go.kr/notice?no=2026-01 확인"), [
    { text: "공고문: " },
    { text: "https://www.g2b.go.kr/notice?no=2026-01", href: "https://www.g2b.go.kr/notice?no=2026-01" },
    { text: " 확인" },
  ]);
  assert.deepEqual(links("HTTP://EXAMPLE.KR/A"), ["HTTP://EXAMPLE.KR/A"]);
});

test("a URL typed into Korean text stops before the Hangul", () => {
  assert.deepEqual(pieces("https://www.g2b.go.kr/공고에서 확인하세요"), [
    { text: "https://www.g2b.go.kr/", href: "https://www.g2b.go.kr/" },
    { text: "공고에서 확인하세요" },
  ]);
  assert.deepEqual(links("자세한 내용은https://www.pps.go.kr을 보세요"), ["https://www.pps.go.kr"]);
  assert.deepEqual(links("https://x.kr/a?q=조달"), ["https://x.kr/a?q="]);
  // Percent-encoded Hangul is part of the URL.
  assert.deepEqual(links("https://ko.wikipedia.org/wiki/%EC%A1%B0%EB%8B%AC 참고"), [
    "https://ko.wikipedia.org/wiki/%EC%A1%B0%EB%8B%AC",
  ]);
});

test("sentence punctuation after a URL is not part of it", () => {
  assert.deepEqual(links("보세요 https://a.kr/x."), ["https://a.kr/x"]);
  assert.deepEqual(links("https://a.kr, https://b.kr; https://c.kr! https://d.kr? 'https://e.kr'"), [
    "https://a.kr",
    "https://b.kr",
    "https://c.kr",
    "https://d.kr",
    "https://e.kr",
  ]);
  assert.deepEqual(links("https://a.kr/x.pdf..."), ["https://a.kr/x.pdf"]);
});

test("a closing bracket ends a URL unless the URL opened it", () => {
  assert.deepEqual(links("(https://a.kr/x)"), ["https://a.kr/x"]);
  assert.deepEqual(links("(자료: https://a.kr/x)."), ["https://a.kr/x"]);
  assert.deepEqual(links("https://en.wikipedia.org/wiki/Tender_(law)"), ["https://en.wikipedia.org/wiki/Tender_(law)"]);
  assert.deepEqual(links("(https://en.wikipedia.org/wiki/Tender_(law))"), ["https://en.wikipedia.org/wiki/Tender_(law)"]);
  assert.deepEqual(links("[https://a.kr/x]"), ["https://a.kr/x"]);
  assert.deepEqual(links("https://a.kr/x[1]"), ["https://a.kr/x[1]"]);
});

test("only http and https are links: javascript:, data:, ftp: and the like stay text", () => {
  for (const text of [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.cookie)",
    "data:text/html,<script>alert(1)</script>",
    "ftp://a.kr/x",
    "mailto:a@b.kr",
    "www.g2b.go.kr",
    "//a.kr/x",
    "https:/a.kr",
    "https://",
    "https://...",
    "xhttps://a.kr",
    "<a href='https'>",
  ]) {
    assert.deepEqual(links(text), [], text);
  }
  // A URL hidden after another scheme is a link only to what it says: an https URL.
  for (const href of links("javascript:alert(1)//https://a.kr")) assert.match(href, /^https:\/\//);
});

test("markup and quotes end a URL and are never part of a link", () => {
  assert.deepEqual(links('https://a.kr/"><script>alert(1)</script>'), ["https://a.kr/"]);
  assert.deepEqual(links("<https://a.kr/x>"), ["https://a.kr/x"]);
  assert.deepEqual(links("**https://a.kr** `https://b.kr`"), ["https://a.kr", "https://b.kr"]);
});

test("many URLs in one text are each a link, in order", () => {
  const urls = Array.from({ length: 500 }, (_, i) => `https://a${i}.kr/p?i=${i}`);
  const text = urls.join(" 그리고\n");
  assert.deepEqual(links(text), urls);
  assert.deepEqual(links("https://a.kr\nhttps://b.kr\thttps://c.kr　https://d.kr"), [
    "https://a.kr",
    "https://b.kr",
    "https://c.kr",
    "https://d.kr",
  ]);
});

test("long text is split in linear time", () => {
  // A body at the proposal limit (20,000) and far past it, made of near-URLs that a backtracking
  // pattern would try again and again.
  const hostile = "https://" + "a.".repeat(100_000) + ")".repeat(100_000);
  const started = performance.now();
  const found = links(hostile);
  assert.equal(found.length, 1);
  assert.ok(!found[0].endsWith(")"));
  const prose = ("조달청 입찰 공고를 확인해 주세요 https://www.g2b.go.kr/a?b=c 감사합니다. ").repeat(2_000);
  assert.equal(links(prose).length, 2_000);
  // A hang guard, not a measure: quadratic work on 400,000 characters takes minutes.
  assert.ok(performance.now() - started < 10_000);
});

test("links are nofollow ugc noopener", () => {
  assert.equal(REL, "nofollow ugc noopener");
});
