// txng web UI: the few actions that post to the API (the session cookie authenticates them).
"use strict";

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    credentials: "same-origin",
    body: JSON.stringify(body || {}),
  });
  if (!response.ok) {
    let message = response.statusText;
    try { message = (await response.json()).error.message; } catch (e) { /* not JSON */ }
    throw new Error(message);
  }
  return response.json();
}

document.addEventListener("submit", async (event) => {
  const form = event.target.closest("form.alert-action");
  if (!form) return;
  event.preventDefault();
  const action = (event.submitter && event.submitter.dataset.action) || "acknowledge";
  const comment = form.elements.comment.value.trim() || null;
  try {
    await post(`/api/alerts/${form.dataset.alertId}/${action}`, { comment });
    window.location.reload();
  } catch (err) {
    window.alert(err.message);
  }
});

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-device]");
  if (!button) return;
  try {
    await post(`/api/devices/${button.dataset.device}/${button.dataset.action}`);
    window.location.reload();
  } catch (err) {
    window.alert(err.message);
  }
});

// A step of the story expands to its scans, a page at a time.
// Times in Vietnam time (UTC+07:00 all year), as the server renders them; the page names it.
const VIETNAM_OFFSET_MS = 7 * 3600 * 1000;

function local(iso) {
  const d = new Date(Date.parse(iso) + VIETNAM_OFFSET_MS);
  const two = (n) => String(n).padStart(2, "0");
  return `${two(d.getUTCDate())}/${two(d.getUTCMonth() + 1)}/${d.getUTCFullYear()} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text || "";
  row.appendChild(td);
}

async function loadEvents(details, after) {
  const box = details.querySelector(".events");
  const list = details.closest("ol.story");
  let table = box.querySelector("table");
  if (!table) {
    table = document.createElement("table");
    table.className = "scans";
    table.appendChild(document.createElement("tbody"));
    box.appendChild(table);
  }
  const url = details.dataset.events + (after ? `&after=${encodeURIComponent(after)}` : "");
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) {
    box.textContent = response.statusText;
    return;
  }
  const page = await response.json();
  for (const e of page.items) {
    const row = document.createElement("tr");
    row.dataset.testid = "scan";
    cell(row, local(e.time));
    cell(row, `${e.device_id}/${e.reader}`);
    cell(row, [e.gtin, e.lot, e.serial, e.sscc].filter(Boolean).join(" · "));
    cell(row, e.via ? `SSCC ${e.via}` : "");
    table.tBodies[0].appendChild(row);
  }
  let more = box.querySelector("button.more");
  if (page.next) {
    if (!more) {
      more = document.createElement("button");
      more.type = "button";
      more.className = "more secondary";
      more.dataset.testid = "more-scans";
      more.textContent = list.dataset.more;
      box.appendChild(more);
    }
    more.dataset.after = page.next;
  } else if (more) {
    more.remove();
  }
}

document.addEventListener("toggle", (event) => {
  const details = event.target;
  if (!(details instanceof HTMLDetailsElement) || !details.dataset.events) return;
  if (details.open && !details.dataset.loaded) {
    details.dataset.loaded = "1";
    loadEvents(details, null);
  }
}, true);

document.addEventListener("click", (event) => {
  const more = event.target.closest("button.more");
  if (!more) return;
  loadEvents(more.closest("details"), more.dataset.after);
});

// The batch page's forwarding card fills itself (counting a big batch's events takes a while).
async function loadForwarding(card) {
  const response = await fetch(card.dataset.url, { credentials: "same-origin" });
  if (!response.ok) return;
  const forwarding = await response.json();
  const status = card.querySelector("[data-testid=forwarding-status]");
  status.textContent = card.dataset[`status${forwarding.status.split("_").map(
    (w) => w[0].toUpperCase() + w.slice(1)).join("")}`] || forwarding.status;
  status.classList.add(`fw-${forwarding.status}`);
  const box = card.querySelector(".destinations");
  for (const d of forwarding.destinations) {
    const p = document.createElement("p");
    let text = `${d.destination}: ${d.sent} ${card.dataset.sent}, ${d.pending} ` +
      `${card.dataset.waiting}, ${d.parked} ${card.dataset.held}`;
    if (d.last_sent_at) text += ` · ${local(d.last_sent_at)}`;
    if (d.missing_fields.length) text += ` · ${card.dataset.missing}: ${d.missing_fields.join(", ")}`;
    p.textContent = text;
    box.appendChild(p);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const card = document.querySelector("[data-testid=forwarding][data-url]");
  if (card) loadForwarding(card);
});

// Print labels: the API answers with the file; the browser saves it.
async function download(url, body, fallbackName) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    credentials: "same-origin",
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    let message = response.statusText;
    try { message = (await response.json()).error.message; } catch (e) { /* not JSON */ }
    throw new Error(message);
  }
  const disposition = response.headers.get("Content-Disposition") || "";
  const name = (disposition.match(/filename="([^"]+)"/) || [])[1] || fallbackName;
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await response.blob());
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
}

function labelOutput(form) {
  const format = form.elements.format.value;
  const layout = form.elements.layout.selectedOptions[0];
  return { format, layout: layout && layout.dataset.format === format ? layout.value : null };
}

document.addEventListener("submit", async (event) => {
  const form = event.target.closest("form.print-labels");
  if (!form) return;
  event.preventDefault();
  const body = {
    symbology: form.elements.symbology.value,
    serials: Number(form.elements.serials.value),
    ...labelOutput(form),
  };
  try {
    await download(`/api/batches/${form.dataset.batchId}/labels`, body, `labels.${body.format}`);
    window.location.reload();
  } catch (err) {
    window.alert(err.message);
  }
});

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-reprint]");
  if (!button) return;
  const form = document.querySelector("form.print-labels");
  const output = labelOutput(form);
  try {
    await download(`/api/label-jobs/${button.dataset.reprint}/labels`, output,
                   `labels.${output.format}`);
  } catch (err) {
    window.alert(err.message);
  }
});
