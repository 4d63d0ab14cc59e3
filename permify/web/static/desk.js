/* permify serve: the editor's page. Posts the editor's actions (with this server's token in
   a header) and redraws the server-rendered parts of the page. No framework, no build step. */
(function () {
  "use strict";
  var token = document.querySelector('meta[name="permify-token"]').content;
  var statusLine = document.getElementById("status");
  var live = document.getElementById("run-live");
  var cancelButton = document.getElementById("cancel");
  var lastVersion = -1;
  var lastStatus = null;
  var pollTimer = null;

  function say(message, isError) {
    statusLine.textContent = message || "";
    statusLine.className = "notice" + (isError ? " error" : message ? " ok" : "");
  }

  function post(url, body) {
    var options = { method: "POST", headers: { "X-Permify-Token": token }, credentials: "same-origin" };
    if (body instanceof FormData) {
      options.body = body;
    } else {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body || {});
    }
    return fetch(url, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok || data.error) {
          throw new Error(data.error || "The page could not do that (HTTP " + response.status + ").");
        }
        return data;
      });
    });
  }

  /* Redraw parts of the page, keeping the keyboard focus where it was. */
  function refresh() {
    var names = Array.prototype.slice.call(arguments);
    var focused = document.activeElement && document.activeElement.id;
    return Promise.all(names.map(function (name) {
      return fetch("/part/" + name, { headers: { "X-Permify-Token": token }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          var el = document.querySelector('[data-part="' + name + '"]');
          if (html !== null && el) { el.innerHTML = html; }
        });
    })).then(function () {
      if (focused) {
        var again = document.getElementById(focused);
        if (again && again !== document.activeElement) { again.focus(); }
      }
    });
  }

  function act(promise, parts) {
    return promise.then(function (data) {
      say(data.message || "", false);
      return refresh.apply(null, parts).then(function () { return data; });
    }).catch(function (error) { say(error.message, true); });
  }

  function upload(files) {
    if (!files || !files.length) { return; }
    var form = new FormData();
    for (var i = 0; i < files.length; i++) { form.append("files", files[i]); }
    say("Reading " + files.length + " file" + (files.length === 1 ? "" : "s") + "…", false);
    post("/api/files", form).then(function (data) {
      var parts = [];
      if (data.added.length) { parts.push("Added " + data.added.join(", ") + "."); }
      if (data.errors.length) { parts.push(data.errors.join(" ")); }
      say(parts.join(" "), data.errors.length > 0);
      return refresh("files", "summary");
    }).catch(function (error) { say(error.message, true); });
  }

  /* ---- progress: a small poll; faster while a run is going ---- */
  function describe(data) {
    var c = data.counts || {};
    var done = (c.captured || 0) + (c.reused || 0) + (c.failed || 0);
    var total = done + (c.queued || 0) + (c.capturing || 0) + (c.cancelled || 0);
    if (data.status === "running") { return "Archiving: " + done + " of " + total + " done."; }
    if (data.status === "done" && data.reviewing) {
      return "Finished archiving: " + (c.captured || 0) + " captured, " + (c.reused || 0) + " reused, " + (c.failed || 0) + " failed. Checking the captures…";
    }
    if (data.status === "done") {
      return "Finished: " + (c.captured || 0) + " captured, " + (c.reused || 0) + " reused, " + (c.failed || 0) + " failed.";
    }
    if (data.status === "cancelled") { return "Cancelled after " + done + " of " + total + "."; }
    if (data.status === "error") { return "Archiving stopped: " + (data.error || "an error"); }
    return "";
  }

  function poll() {
    clearTimeout(pollTimer);
    fetch("/api/run", { headers: { "X-Permify-Token": token }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var running = data.status === "running";
        var busy = running || !!data.reviewing;
        var work = Promise.resolve();
        if (data.version !== lastVersion || data.status !== lastStatus) {
          var finishedNow = lastStatus === "running" && !running;
          var firstSight = lastStatus === null;
          lastVersion = data.version;
          lastStatus = data.status;
          work = refresh.apply(null, (finishedNow || firstSight) ? ["run", "summary", "files"] : ["run"]);
          var text = describe(data);
          if (live.textContent !== text) { live.textContent = text; }
        }
        cancelButton.hidden = !running;
        var archive = document.getElementById("archive");
        if (archive && running) { archive.disabled = true; }
        return work.then(function () { pollTimer = setTimeout(poll, busy ? 500 : 2000); });
      })
      .catch(function () { pollTimer = setTimeout(poll, 2000); });
  }

  /* ---- the editor's actions ---- */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.id === "key-form") {
      event.preventDefault();
      var input = form.querySelector("#api-key");
      var save = form.querySelector("#save-key");
      var body = { api_key: input.value, save: !!(save && save.checked) };
      input.value = "";
      act(post("/api/key", body), ["key", "folders", "files", "summary"]);
    } else if (form.id === "new-folder") {
      event.preventDefault();
      act(post("/api/folders/new", { parent_id: form.elements.parent_id.value, name: form.elements.name.value }),
          ["folders", "files", "summary"]);
    }
  });

  document.addEventListener("click", function (event) {
    var target = event.target.closest("button");
    if (!target) { return; }
    if (target.id === "demo-key") {
      act(post("/api/key", { demo: true }), ["key", "folders", "files", "summary"]);
    } else if (target.id === "archive") {
      var retry = document.getElementById("retry-failed");
      target.disabled = true;
      post("/api/archive", { retry_failed: !!(retry && retry.checked) }).then(function (data) {
        say(data.message, false);
        lastStatus = "running";
        poll();
      }).catch(function (error) { target.disabled = false; say(error.message, true); });
    } else if (target.id === "cancel") {
      post("/api/cancel", {}).then(function () { say("Cancelling: the captures already sent finish at Perma and are kept.", false); })
        .catch(function (error) { say(error.message, true); });
    } else if (target.classList.contains("remove-file")) {
      act(post("/api/files/" + encodeURIComponent(target.dataset.id) + "/remove", {}), ["files", "summary"]);
    }
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.name === "folder" && target.type === "radio") {
      act(post("/api/folder", { folder_id: target.value }), ["folders", "files", "summary"]);
    } else if (target.classList.contains("pick")) {
      var key = target.dataset.key;
      document.querySelectorAll("input.pick").forEach(function (box) {
        if (box.dataset.key === key) { box.checked = target.checked; }
      });
      post("/api/select", { key: key, selected: target.checked })
        .then(function () { return refresh("files", "summary"); })
        .catch(function (error) { say(error.message, true); });
    } else if (target.id === "file-input") {
      upload(target.files);
      target.value = "";
    }
  });

  var drop = document.getElementById("drop");
  ["dragenter", "dragover"].forEach(function (name) {
    drop.addEventListener(name, function (event) { event.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    drop.addEventListener(name, function (event) { event.preventDefault(); drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (event) { upload(event.dataTransfer.files); });

  poll();
})();
