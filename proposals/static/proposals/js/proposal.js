// Live figures on a proposal page: the support count, new and removed comments, state changes.
// Without this script the page is complete; it only keeps it current while it is open.
import { LiveClient } from "../../live/js/live-client.js";

const root = document.getElementById("proposal");
const count = document.getElementById("support-count");
const progress = document.getElementById("support-progress");

// Once a form of this page is sent, its response shows the new state (with the message about it): a
// reload now would cancel that navigation, e.g. when the event is the sender's own support or answer.
let submitting = false;
document.addEventListener("submit", (event) => {
  if (!event.defaultPrevented) submitting = true;
});
window.addEventListener("pageshow", () => {
  submitting = false;
});

// Never reload over something the reader is typing: offer a link instead.
function typing() {
  return [...document.querySelectorAll("textarea, input[type=text]")].some((field) => field.value.trim());
}

function reload() {
  if (submitting) return;
  if (!typing()) {
    window.location.reload();
    return;
  }
  let notice = document.getElementById("proposal-updated");
  if (!notice) {
    notice = document.createElement("p");
    notice.id = "proposal-updated";
    notice.className = "message message-warning";
    notice.setAttribute("role", "status");
    const link = document.createElement("a");
    link.href = window.location.pathname;
    link.textContent = strings.updated || "↻";
    notice.append(link);
    root.prepend(notice);
  }
}

const thread = document.querySelector("[data-comments-target]");
const list = thread?.querySelector("[data-comment-list]");
const strings = document.getElementById("proposal-strings")?.dataset || {};

function element(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text) node.textContent = text;
  return node;
}

function addComment(data) {
  if (!list || document.getElementById(`comment-${data.id}`)) return;
  list.querySelector("[data-no-comments]")?.remove();
  const item = element("li", { class: "comment comment-live", id: `comment-${data.id}`, "data-comment": data.id });
  const meta = element("header", { class: "comment-meta" });
  meta.append(element("strong", {}, data.author), " ", element("time", { datetime: data.created_at }, strings.justNow || ""));
  meta.append(" ", element("span", { class: `badge alignment alignment-${data.alignment}` }, strings[data.alignment] || ""));
  const text = element("div", { class: "comment-text" });
  text.innerHTML = data.html; // cleaned on the server by meydan.sanitize.render_plain
  item.append(meta, text);
  if (data.parent) {
    const parent = document.getElementById(`comment-${data.parent}`);
    let replies = parent?.querySelector(".comment-replies");
    if (parent && !replies) {
      replies = element("ol", { class: "comment-replies" });
      parent.append(replies);
    }
    (replies || list).append(item);
  } else if (thread.dataset.commentsSort === "oldest") {
    list.append(item);
  } else {
    list.prepend(item);
  }
}

function placeholder(data, text) {
  const item = document.getElementById(`comment-${data.id}`);
  if (!item) return;
  item.replaceChildren(element("p", { class: "comment-placeholder" }, text));
}

const client = new LiveClient();
client.subscribe(root.dataset.topic, root.dataset.since, {
  onValue: (type, data, frame) => {
    if (type === "support.count") {
      count.textContent = data.count;
      if (progress) progress.value = data.count;
    } else if (type === "comments.likes") {
      const likes = document.querySelector(`[data-like-count="${frame.key}"]`);
      if (likes) likes.textContent = likes.textContent.replace(/^\d+/, String(data.count ?? data));
    }
  },
  onEvent: (type, data) => {
    if (type === "comments.new") addComment(data);
    else if (type === "comments.deleted") placeholder(data, strings.deleted);
    else if (type === "comments.hidden") placeholder(data, strings.hidden);
    else if (type === "proposal.timeline" && ["answered", "threshold", "state", "merged"].includes(data.kind)) {
      reload();
    }
  },
  onReset: reload,
});
