// Live behaviour of a council session page. The page is complete without this script: it adds
// new comments, agenda moves, polls and moderation as they happen, and posts through the socket.
import { LiveClient } from "./live-client.js";

const root = document.getElementById("session");
const strings = document.getElementById("i18n-strings").dataset;
const list = document.getElementById("comment-list");
const announcer = document.getElementById("comments-announcer");
const currentUser = root.dataset.user;
let unannounced = 0;

// Screen readers hear a short summary every few seconds, not every comment.
setInterval(() => {
  if (unannounced > 0) {
    announcer.textContent = `${unannounced} ${strings.newComments}`;
    unannounced = 0;
  }
}, 5000);

function element(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text) node.textContent = text;
  return node;
}

function commentNode(data) {
  const item = element("li", {
    class: "comment",
    id: `comment-${data.id}`,
    "data-comment": data.id,
    "data-author": data.author_id,
  });
  const meta = element("p", { class: "comment-meta" });
  meta.append(element("strong", {}, data.author), " ", element("time", { datetime: data.at }, data.at.slice(11, 16)));
  const text = element("div", { class: "comment-text" });
  text.innerHTML = data.html; // sanitised on the server by meydan.sanitize.render_plain
  item.append(meta, text);
  const actions = element("p", { class: "comment-actions" });
  if (!data.parent) {
    actions.append(element("a", { href: `?reply=${data.id}#comment-form`, "data-reply": data.id }, strings.reply), " ");
  }
  if (currentUser && currentUser !== String(data.author_id)) {
    const href = strings.reportUrl.replace(/\/0\/$/, `/${data.id}/`);
    actions.append(element("a", { href, class: "comment-report" }, strings.report));
  }
  if (actions.childNodes.length) item.append(actions);
  if (!data.parent) item.append(element("ul", { class: "replies" }));
  return item;
}

function addComment(data) {
  if (document.getElementById(`comment-${data.id}`)) return;
  document.getElementById("no-comments")?.remove();
  const node = commentNode(data);
  if (data.parent) {
    document.querySelector(`#comment-${data.parent} > .replies`)?.append(node);
  } else if (root.dataset.order === "oldest") {
    list.append(node);
  } else {
    list.prepend(node);
  }
  unannounced += 1;
}

function hideComment(data) {
  document.querySelectorAll(`[data-comment="${data.id}"]`).forEach((node) => {
    if (currentUser && node.dataset.author === currentUser) {
      // The author sees that, and why, instead of the comment silently vanishing.
      node.querySelector(".comment-text").textContent = `${strings.hidden} ${data.reason}`;
      node.classList.add("comment-hidden");
    } else {
      node.remove();
    }
  });
}

function moveAgenda(data) {
  document.querySelectorAll("#agenda > li").forEach((item) => {
    const current = item.dataset.item === String(data.id);
    item.classList.toggle("current", current);
    if (current) item.setAttribute("aria-current", "step");
    else item.removeAttribute("aria-current");
    item.querySelector(".badge.now")?.remove();
    if (current) item.querySelector("strong").after(" ", element("span", { class: "badge now" }, strings.now));
  });
}

function showResults(data) {
  let section = document.getElementById(`poll-${data.poll}`);
  if (!section) {
    section = element("section", {
      class: "poll card",
      id: `poll-${data.poll}`,
      "data-poll": data.poll,
      "aria-labelledby": `poll-${data.poll}-q`,
    });
    section.append(element("h3", { id: `poll-${data.poll}-q` }, data.question));
    const polls = document.getElementById("polls");
    polls.hidden = false;
    // Newest first, under the heading and the note on who may vote.
    (document.getElementById("vote-refusal") || polls.querySelector("h2")).after(section);
    // Only people who may take part get a form, as on the server-rendered page.
    if (data.status !== "closed" && root.dataset.participant) section.append(pollForm(data));
    section.append(resultsTable(data));
  }
  const total = section.querySelector(".poll-results .total");
  if (total) total.textContent = data.total;
  const rows = section.querySelectorAll("tr[data-option]");
  if (!rows.length) return;
  for (const option of data.options) {
    const row = section.querySelector(`tr[data-option="${option.id}"]`);
    if (!row) continue;
    row.querySelector(".votes").textContent = option.votes;
    row.querySelector(".share").textContent = data.total ? `${Math.round((100 * option.votes) / data.total)} %` : "0 %";
  }
  section.querySelectorAll("rect.bar").forEach((bar, index) => {
    const option = data.options[index];
    if (option) bar.setAttribute("width", Math.round((300 * option.votes) / (data.total || 1)));
  });
  if (data.status === "closed") {
    section.querySelector("form")?.remove();
    section.querySelector(".poll-results")?.removeAttribute("hidden");
  }
}

// The same table as live/includes/poll_results.html, for a poll that opened while the page was open.
// Like the server, it shows the results to moderators, and to others once they answered.
function resultsTable(data) {
  const box = element("div", { class: "poll-results", "data-results": data.poll });
  if (!root.dataset.moderator && data.status !== "closed") box.hidden = true;
  const table = element("table");
  const head = element("tr");
  head.append(
    element("th", { scope: "col" }, strings.answer),
    element("th", { scope: "col" }, strings.votes),
    element("th", { scope: "col" }, "%"),
  );
  const body = element("tbody");
  for (const option of data.options) {
    const row = element("tr", { "data-option": option.id });
    row.append(
      element("th", { scope: "row" }, option.label),
      element("td", { class: "votes" }, String(option.votes)),
      element("td", { class: "share" }),
    );
    body.append(row);
  }
  const thead = element("thead");
  thead.append(head);
  table.append(element("caption", { class: "visually-hidden" }, data.question), thead, body);
  const summary = element("p", {}, `${strings.answers}: `);
  summary.append(element("span", { class: "total" }, String(data.total)));
  box.append(summary, table);
  return box;
}

function pollForm(data) {
  const form = element("form", { method: "post", action: `/live/polls/${data.poll}/answer/`, class: "poll-form" });
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (csrf) form.append(element("input", { type: "hidden", name: "csrfmiddlewaretoken", value: csrf.value }));
  const fieldset = element("fieldset");
  fieldset.append(element("legend", {}, strings.yourAnswer));
  for (const option of data.options) {
    const id = `poll-${data.poll}-option-${option.id}`;
    const row = element("div");
    row.append(element("input", { type: "radio", name: "option", value: option.id, id, required: "" }));
    row.append(element("label", { for: id }, option.label));
    fieldset.append(row);
  }
  form.append(fieldset, element("button", { type: "submit" }, strings.answer));
  form.addEventListener("submit", answerThroughSocket);
  return form;
}

function setStatus(data) {
  const badge = document.getElementById("session-status");
  badge.className = `badge status-${data.status}`;
  badge.textContent = data.status === "live" ? strings.statusLive : strings.statusEnded;
  root.dataset.status = data.status;
  if (data.status === "live" || data.status === "ended") window.location.reload();
}

const handlers = {
  "comment.new": addComment,
  "comment.hidden": hideComment,
  "comment.pinned": (data) => document.getElementById(`comment-${data.id}`)?.classList.toggle("comment-pinned", data.pinned),
  "agenda.current": moveAgenda,
  "session.status": setStatus,
  "session.settings": () => {},
  "poll.opened": showResults,
  "poll.closed": showResults,
};

const client = new LiveClient();
client.subscribe(root.dataset.topic, root.dataset.since, {
  onEvent: (type, data) => handlers[type]?.(data),
  onValue: (type, data) => type === "poll.results" && showResults(data),
  onReset: () => window.location.reload(),
});

function showFormError(form, message) {
  let box = form.querySelector(".form-errors");
  if (!box) {
    box = element("div", { class: "form-errors", role: "alert" });
    form.prepend(box);
  }
  box.textContent = message;
}

const commentForm = document.getElementById("comment-form");
commentForm?.addEventListener("submit", (event) => {
  if (!client.connected) return; // the normal form post still works
  event.preventDefault();
  const text = commentForm.querySelector("textarea").value;
  const parent = Number(commentForm.querySelector("input[name=parent]")?.value) || undefined;
  client
    .request("comment.post", { session: Number(root.dataset.session), text, ...(parent ? { parent } : {}) })
    .then((data) => {
      commentForm.querySelector("textarea").value = "";
      commentForm.querySelector(".form-errors")?.remove();
      addComment(data);
    })
    .catch((error) => (error.code === "disconnected" ? commentForm.submit() : showFormError(commentForm, error.detail)));
});

function answerThroughSocket(event) {
  const form = event.target;
  const choice = form.querySelector("input[name=option]:checked");
  if (!client.connected || !choice) return;
  event.preventDefault();
  const poll = Number(form.closest("[data-poll]").dataset.poll);
  client
    .request("poll.answer", { poll, option: Number(choice.value) })
    .then(() => {
      form.closest("[data-poll]").querySelector(".poll-results")?.removeAttribute("hidden");
      form.replaceWith(element("p", { role: "status" }, "✓"));
    })
    .catch((error) => showFormError(form, error.detail));
}
document.querySelectorAll(".poll-form").forEach((form) => form.addEventListener("submit", answerThroughSocket));

// Replay: choosing an agenda item seeks the video instead of reloading the page.
const video = document.getElementById("session-video");
document.querySelectorAll("[data-seek]").forEach((link) =>
  link.addEventListener("click", (event) => {
    if (!video || root.dataset.status !== "ended") return;
    event.preventDefault();
    video.currentTime = Number(link.dataset.seek);
    video.play().catch(() => {});
    window.history.replaceState(null, "", link.href);
  }),
);
