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
