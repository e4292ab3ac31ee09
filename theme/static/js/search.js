/* The search page (plugins/site_search), on the reader's device only.
 *
 * - Searches Pagefind's index of this site through its low-level API (pagefind.js, from this
 *   site's own /pagefind/ folder, and from each further part of a large site's index): nothing
 *   typed is sent anywhere, nothing comes from elsewhere.
 * - Leaves out the posts about a topic the reader chose to hide (localStorage
 *   "harbour.triggerPrefs", see warnings.js): each post's "trigger" filter holds its trigger
 *   tags with their broader topics, so hiding a topic hides the narrower ones too, as in listings.
 * - Results are a list of links; their count is announced in a polite live region.
 *   Excerpts are shown as text, with only Pagefind's <mark> kept.
 */
const KEY = "harbour.triggerPrefs";
const SLUG = /^[a-z0-9-]+$/;
const MOST = 20; // results shown: enough to find a post, few enough to read through
const PAUSE = 300; // ms after the last keystroke before searching as the reader types

function hiddenTopics() {
  try {
    const prefs = JSON.parse(window.localStorage.getItem(KEY) || "{}") || {};
    return Object.keys(prefs).filter(function (slug) { return prefs[slug] === "hide" && SLUG.test(slug); });
  } catch (error) {
    return []; // storage blocked or unreadable: nothing is hidden, as on every other page
  }
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) { node.className = className; }
  if (text) { node.textContent = text; }
  return node;
}

// Pagefind's excerpt is the page's text with the matched words wrapped in <mark>; read it in an
// inert document and copy only text and marks, so nothing in a page's words can become markup.
function excerpt(html) {
  const parsed = new DOMParser().parseFromString("<p>" + html + "</p>", "text/html").body;
  const paragraph = el("p", "search-result__excerpt");
  parsed.querySelectorAll("p").forEach(function (p) {
    p.childNodes.forEach(function (node) {
      paragraph.appendChild(node.nodeName === "MARK" ? el("mark", "", node.textContent)
        : document.createTextNode(node.textContent));
    });
  });
  return paragraph;
}

function resultItem(data) {
  const item = el("li", "search-result");
  const heading = el("h2", "search-result__title");
  const link = el("a", "", (data.meta && data.meta.title) || data.url);
  link.href = data.url;
  heading.appendChild(link);
  item.appendChild(heading);
  if (data.meta && data.meta.date) { item.appendChild(el("p", "post-meta", data.meta.date)); }
  if (data.meta && data.meta.warning) { item.appendChild(el("p", "search-result__warning", data.meta.warning)); }
  item.appendChild(excerpt(data.excerpt || ""));
  return item;
}

// Words as Pagefind compares them: in lower case, without accents or punctuation.
function words(text) {
  return text.toLocaleLowerCase().normalize("NFD").replace(/\p{M}/gu, "").split(/\s+/)
    .map(function (word) { return word.replace(/[^\p{L}\p{N}_]/gu, ""); })
    .filter(Boolean);
}

// For a word that no page holds, whole or as the start of a longer word, Pagefind answers with
// the pages holding the longest word it begins with ("a" for "acquaintance"): an answer about
// another word. Here such a word finds nothing, as a reader expects.
async function holdsEveryWord(pagefind, query) {
  for (const word of words(query)) {
    if ((await pagefind.search("\"" + word + "\"")).results.length) { continue; } // the word, or its stem
    const loose = await pagefind.search(word);
    if (!loose.results.length) { return false; }
    const data = await loose.results[0].data();
    const content = (data.raw_content || data.content || "").split(/[\r\n\s]+/g);
    const matched = (data.locations || []).map(function (at) { return words(content[at] || "")[0] || ""; });
    if (!matched.some(function (found) { return found.startsWith(word); })) { return false; }
  }
  return true;
}

function plural(count, one, many) {
  return count === 1 ? "1 " + one : count + " " + many;
}

function start(form) {
  const input = form.querySelector("input[name=q]");
  const status = document.querySelector("[data-search-status]");
  const list = document.querySelector("[data-search-results]");
  const hiddenNote = document.querySelector("[data-search-hidden-note]");
  const prefsUrl = form.getAttribute("data-preferences-url");
  const hidden = hiddenTopics();
  let latest = 0;
  let timer = null;

  // A large site's index is in parts (plugins/site_search/parts.py), each searched by its own
  // copy of Pagefind: a part that lacks a word must answer nothing, as one whole index would,
  // not the stand-in words it offers (see holdsEveryWord), so parts are not merged into one.
  const bundles = [form.getAttribute("data-pagefind")].concat(
    (form.getAttribute("data-pagefind-parts") || "").split(" ").filter(Boolean));
  const ready = Promise.all(bundles.map(function (bundle) {
    return import(bundle).then(function (pagefind) {
      return pagefind.options({ excerptLength: 24 }).then(function () { return pagefind; });
    });
  }));
  ready.catch(function () {}); // a failure is told when the reader searches, not as a console error

  function isHidden(data) {
    const topics = (data.filters && data.filters.trigger) || [];
    return topics.some(function (slug) { return hidden.indexOf(slug) !== -1; });
  }

  function showHiddenNote(count) {
    hiddenNote.textContent = "";
    hiddenNote.hidden = !count;
    if (!count) { return; }
    hiddenNote.appendChild(document.createTextNode(
      plural(count, "more result is", "more results are") + " hidden here by your reading preferences. "));
    if (prefsUrl) {
      const change = el("a", "", "Change them");
      change.href = prefsUrl;
      hiddenNote.appendChild(change);
    }
  }

  function clear() {
    list.textContent = "";
    status.textContent = "";
    showHiddenNote(0);
  }

  async function run(query) {
    const turn = ++latest;
    const term = query.trim();
    if (!term) { clear(); return; }
    let search;
    let found;
    try {
      const answers = await Promise.all((await ready).map(async function (pagefind) {
        if (!(await holdsEveryWord(pagefind, term))) { return { results: [], unfilteredResultCount: 0 }; }
        // Pagefind leaves out every post holding any hidden topic ("none" of them).
        return pagefind.search(term, hidden.length ? { filters: { trigger: { none: hidden } } } : {});
      }));
      search = {
        results: answers.flatMap(function (answer) { return answer.results; })
          .sort(function (a, b) { return b.score - a.score; }),
        unfilteredResultCount: answers.reduce(function (sum, answer) { return sum + answer.unfilteredResultCount; }, 0),
      };
      found = await Promise.all(search.results.slice(0, MOST).map(function (r) { return r.data(); }));
    } catch (error) {
      if (turn === latest) {
        clear();
        status.textContent = "The search could not run in this browser. The pages below list every post.";
      }
      return;
    }
    if (turn !== latest) { return; } // the reader typed on: a newer search answers
    // And again here, should the index ever answer otherwise: a hidden topic never shows.
    const shown = found.filter(function (data) { return !isHidden(data); });
    const count = search.results.length - (found.length - shown.length);
    list.textContent = "";
    shown.forEach(function (data) { list.appendChild(resultItem(data)); });
    status.textContent = (count ? plural(count, "result", "results") : "No results") + " for \u201c" + term + "\u201d" +
      (count > shown.length ? ", the first " + shown.length + " shown." : ".");
    showHiddenNote(hidden.length ? Math.max(0, search.unfilteredResultCount - count) : 0);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    window.clearTimeout(timer);
    const url = new URL(window.location.href);
    url.searchParams.set("q", input.value.trim());
    window.history.replaceState(null, "", url);
    run(input.value);
  });
  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { run(input.value); }, PAUSE);
  });

  form.hidden = false;
  document.querySelectorAll("[data-search-nojs]").forEach(function (note) { note.hidden = true; });
  const asked = new URLSearchParams(window.location.search).get("q");
  if (asked) {
    input.value = asked;
    run(asked);
  }
}

const searchForm = document.querySelector("[data-search-form]");
if (searchForm) { start(searchForm); }
