// Moderator console: a live viewer count and a notice when new comments arrive. Every action is a
// normal form post, so the console works without this script; it never reloads by itself, so a
// reason being typed is never lost.
import { LiveClient } from "./live-client.js";

const root = document.getElementById("console");
const notice = document.getElementById("console-notice");
let fresh = 0;

const client = new LiveClient();
client.subscribe(root.dataset.topic, root.dataset.since, {
  onEvent: (type) => {
    if (type !== "comment.new") return;
    fresh += 1;
    notice.hidden = false;
    notice.querySelector("output").textContent = fresh;
  },
  onValue: (type, data) => {
    if (type === "viewers") document.getElementById("viewer-count").textContent = data;
  },
});
