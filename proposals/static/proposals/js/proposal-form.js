// Similar proposals while writing: asks the server (debounced) as the title and description change.
// Without JavaScript the same list appears on the preview step.
const form = document.getElementById("proposal-form");
const box = document.getElementById("similar");
const list = document.getElementById("similar-list");
const title = form?.querySelector("[name=title]");
const body = form?.querySelector("[name=body]");
let timer;
let lastQuery = "";

async function refresh() {
  const query = `${title.value.trim()}\n${body.value.trim()}`;
  if (query === lastQuery || title.value.trim().length < 4) return;
  lastQuery = query;
  const params = new URLSearchParams({ title: title.value, body: body.value.slice(0, 4000) });
  if (box.dataset.exclude) params.set("exclude", box.dataset.exclude);
  const response = await fetch(`${box.dataset.url}?${params}`, { headers: { Accept: "application/json" } });
  if (!response.ok) return;
  const { results } = await response.json();
  list.replaceChildren(
    ...results.map((item) => {
      const li = document.createElement("li");
      const link = document.createElement("a");
      link.href = item.url;
      link.textContent = item.title;
      li.append(link, ` (${item.supports})`);
      return li;
    }),
  );
  box.hidden = results.length === 0;
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(refresh, 400);
}

title?.addEventListener("input", schedule);
body?.addEventListener("input", schedule);

// Suggested tags: a click adds the tag to the field (without JavaScript, the list is a reminder).
const tagsField = form?.querySelector("[name=tags]");
document.querySelectorAll("#tag-suggestions [data-tag]").forEach((button) =>
  button.addEventListener("click", () => {
    const tags = tagsField.value.split(",").map((tag) => tag.trim()).filter(Boolean);
    if (!tags.includes(button.dataset.tag)) tags.push(button.dataset.tag);
    tagsField.value = tags.join(", ");
    tagsField.focus();
  }),
);
