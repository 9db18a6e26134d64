// Live support count and state on a proposal page. Without this script the page is complete; it
// only keeps the figures current while the page is open.
import { LiveClient } from "../../live/js/live-client.js";

const root = document.getElementById("proposal");
const count = document.getElementById("support-count");
const progress = document.getElementById("support-progress");

const client = new LiveClient();
client.subscribe(root.dataset.topic, root.dataset.since, {
  onValue: (type, data) => {
    if (type !== "support.count") return;
    count.textContent = data.count;
    if (progress) progress.value = data.count;
  },
  onEvent: (type, data) => {
    if (type === "proposal.timeline" && ["answered", "threshold", "state", "merged"].includes(data.kind)) {
      window.location.reload();
    }
  },
  onReset: () => window.location.reload(),
});
