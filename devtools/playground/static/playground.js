// The playground page: choose who you are, type /ror …, click; every action goes to the playground server,
// which sends it to the real app as Slack would. The page long-polls what the app sent back.
"use strict";

(function () {
  const BK = window.BlockKit;
  const { el } = BK;
  const $ = (id) => document.getElementById(id);
  const BOT = "UBOT";

  const state = {
    workspace: null,
    me: null,
    where: { kind: "channel", id: null },
    tab: "home",
    version: -1,
    snapshot: null,
    poll: null,
    seenDm: {},
    viewStates: new Map(),
    cache: { messages: new Map(), dm: new Map(), home: null, modal: null, activity: -1 },
  };

  // --- talking to the playground server ----------------------------------------------------------------

  let toastTimer = null;
  function toast(text) {
    const node = $("toast");
    node.textContent = text;
    node.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { node.hidden = true; }, 7000);
  }

  async function api(path, body) {
    let data = {};
    try {
      const response = await fetch(path, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ user: state.me, ...body }),
      });
      data = await response.json().catch(() => ({}));
      if (!response.ok && !data.error) data.error = "Le bac à sable a répondu " + response.status + ".";
    } catch (error) {
      data = { error: "Le bac à sable ne répond pas : ror-bot run tourne-t-il encore ?" };
    }
    if (data.error) toast(data.error);
    return data.error || null;
  }

  function setConnection(live) {
    const node = $("connection");
    node.textContent = live ? "En direct" : "Reconnexion…";
    node.classList.toggle("offline", !live);
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  async function pollLoop(me, controller) {
    while (state.me === me && !controller.signal.aborted) {
      try {
        const url = "/api/state?user=" + encodeURIComponent(me) + "&since=" + state.version;
        const response = await fetch(url, { signal: controller.signal });
        if (!response.ok) throw new Error(String(response.status));
        const snapshot = await response.json();
        if (state.me !== me) return;
        setConnection(true);
        if (snapshot.version !== state.version || state.snapshot === null) {
          state.version = snapshot.version;
          state.snapshot = snapshot;
          render();
        }
      } catch (error) {
        if (controller.signal.aborted) return;
        setConnection(false);
        await sleep(1000);
      }
    }
  }

  function become(userId) {
    if (state.poll) state.poll.abort();
    state.me = userId;
    state.version = -1;
    state.snapshot = null;
    state.cache = { messages: new Map(), dm: new Map(), home: null, modal: null, activity: -1 };
    state.viewStates = new Map();
    history.replaceState(null, "", "#" + userId);
    renderPeople();
    const controller = new AbortController();
    state.poll = controller;
    pollLoop(userId, controller);
    if (state.where.kind === "app") api("/api/home", { tab: state.tab });
  }

  // --- the confirm dialog of buttons ---------------------------------------------------------------------

  function confirmDialog(confirm) {
    return new Promise((resolve) => {
      const layer = $("confirm-layer");
      const box = el("section", "dialog confirm");
      box.setAttribute("role", "alertdialog");
      box.setAttribute("aria-modal", "true");
      box.setAttribute("aria-labelledby", "confirm-title");
      const title = el("h2", "", BK.plain(confirm.title) || "Confirmer ?");
      title.id = "confirm-title";
      const deny = el("button", "bk-button", BK.plain(confirm.deny) || "Annuler");
      const yes = el("button", "bk-button " + (confirm.style === "danger" ? "bk-danger" : "bk-primary"), BK.plain(confirm.confirm) || "Confirmer");
      deny.type = yes.type = "button";
      const close = (answer) => { layer.hidden = true; layer.replaceChildren(); resolve(answer); };
      deny.addEventListener("click", () => close(false));
      yes.addEventListener("click", () => close(true));
      const footer = el("footer", "dialog-footer");
      footer.append(deny, yes);
      box.append(title, BK.textObject(confirm.text), footer);
      layer.replaceChildren(box);
      layer.hidden = false;
      yes.focus();
    });
  }

  function context(surface) {
    const ctx = {
      root: null,
      errors: {},
      confirm: confirmDialog,
      onAction: (action) => api("/api/action", { surface, action, state: ctx.root ? BK.collectState(ctx.root) : {} }),
    };
    return ctx;
  }

  // --- messages ------------------------------------------------------------------------------------------

  function fileLink(file) {
    const link = el("a", "file", "📎 " + (file.title || file.name) + " (" + file.size + " octets)");
    link.href = "/files/" + encodeURIComponent(file.id);
    link.download = file.name;
    return link;
  }

  function shortcutsMenu(message) {
    const wrap = el("div", "shortcuts");
    const open = el("button", "bk-button small", "Raccourcis ⋯");
    open.type = "button";
    open.setAttribute("aria-label", "Raccourcis de ce message");
    const menu = el("div", "menu");
    menu.hidden = true;
    for (const shortcut of state.workspace.shortcuts) {
      const item = el("button", "bk-button small", shortcut.name);
      item.type = "button";
      item.addEventListener("click", () => {
        menu.hidden = true;
        api("/api/shortcut", { ts: message.ts, callback_id: shortcut.callback_id });
      });
      menu.append(item);
    }
    open.addEventListener("click", () => { menu.hidden = !menu.hidden; });
    wrap.append(open, menu);
    return wrap;
  }

  function messageNode(message) {
    const node = el("article", "message " + message.kind + (message.ephemeral ? " ephemeral" : "") + (message.author === BOT ? " from-bot" : ""));
    node.dataset.ts = message.ts;
    const head = el("header", "message-head");
    head.append(el("span", "author", message.author_name), el("time", "", message.time));
    if (message.kind === "command") head.append(el("span", "tag", "commande envoyée à l'app"));
    else if (message.kind === "notice") head.append(el("span", "tag warn", "message du bac à sable"));
    else if (message.ephemeral) head.append(el("span", "tag", "visible par vous seulement"));
    if (message.thread_ts) head.append(el("span", "tag", "dans un fil"));
    if (message.revision > 1) head.append(el("span", "tag subtle", "modifié"));
    node.append(head);
    if (message.kind === "command") {
      node.append(el("code", "command-text", message.text));
    } else if (message.author !== BOT) {
      node.append(BK.mrkdwn(BK.escapeForMrkdwn(message.text)));
      node.append(shortcutsMenu(message));
    } else if (message.blocks && message.blocks.length) {
      const ctx = context({ kind: "message", ts: message.ts });
      ctx.root = node;
      node.append(BK.renderBlocks(message.blocks, ctx));
    } else {
      node.append(BK.mrkdwn(message.text));
    }
    for (const file of message.files || []) node.append(fileLink(file));
    return node;
  }

  function renderMessages(container, messages, cache, emptyText) {
    const nearBottom = container.scrollHeight - container.scrollTop - container.clientHeight < 120;
    const keep = new Set();
    let added = false;
    const nodes = (messages || []).map((message) => {
      const key = message.ts + ":" + message.revision;
      keep.add(key);
      let node = cache.get(key);
      if (!node) {
        node = messageNode(message);
        cache.set(key, node);
        added = true;
      }
      return node;
    });
    for (const key of [...cache.keys()]) if (!keep.has(key)) cache.delete(key);
    if (!nodes.length) nodes.push(el("p", "empty", emptyText));
    const same = nodes.length === container.children.length && nodes.every((node, i) => container.children[i] === node);
    if (!same) container.replaceChildren(...nodes);
    if (added && (nearBottom || nodes.length < 4)) container.scrollTop = container.scrollHeight;
  }

  // --- views: App Home and modals ------------------------------------------------------------------------

  function renderHome(home) {
    const container = $("home");
    const key = home ? home.id + ":" + home.hash : "none";
    if (state.cache.home === key) return;
    state.cache.home = key;
    if (!home) {
      container.replaceChildren(el("p", "empty", "L'app n'a encore rien publié dans votre onglet Accueil."));
      return;
    }
    const ctx = context({ kind: "view", id: home.id });
    const blocks = BK.renderBlocks(home.view.blocks, ctx);
    ctx.root = blocks;
    container.replaceChildren(blocks);
  }

  function renderModal(modals) {
    const layer = $("modal-layer");
    const top = modals.length ? modals[modals.length - 1] : null;
    const key = top ? top.id + ":" + top.hash + ":" + JSON.stringify(top.errors) : "none";
    if (state.cache.modal === key) return;
    const previous = layer.querySelector(".modal");
    if (previous) state.viewStates.set(previous.dataset.viewId, BK.collectState(previous));
    // Like Slack, what was typed stays when the app updates a view or when a pushed view is closed.
    const kept = top ? state.viewStates.get(top.id) || null : null;
    state.cache.modal = key;
    if (!top) {
      layer.hidden = true;
      layer.replaceChildren();
      return;
    }
    const view = top.view;
    const box = el("section", "dialog modal");
    box.dataset.viewId = top.id;
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-modal", "true");
    box.setAttribute("aria-labelledby", "modal-title");
    const head = el("header", "dialog-head");
    const title = el("h2", "", BK.plain(view.title));
    title.id = "modal-title";
    head.append(title);
    if (modals.length > 1) head.append(el("span", "tag subtle", "fenêtre " + modals.length + " sur " + modals.length));
    const cross = el("button", "close-all", "×");
    cross.type = "button";
    cross.setAttribute("aria-label", "Fermer toutes les fenêtres");
    cross.addEventListener("click", () => api("/api/close", { view_id: top.id, all: true }));
    head.append(cross);

    const body = el("div", "dialog-body");
    const problem = el("p", "problem");
    problem.setAttribute("role", "alert");
    problem.hidden = true;
    const draw = (errors, values) => {
      const ctx = context({ kind: "view", id: top.id });
      ctx.errors = errors;
      const blocks = BK.renderBlocks(view.blocks, ctx);
      ctx.root = blocks;
      body.replaceChildren(blocks);
      if (values) BK.applyState(blocks, values);
    };
    draw(top.errors || {}, kept);

    const footer = el("footer", "dialog-footer");
    const close = el("button", "bk-button", BK.plain(view.close) || "Annuler");
    close.type = "button";
    close.addEventListener("click", () => api("/api/close", { view_id: top.id, all: false }));
    footer.append(close);
    if (view.submit) {
      const submit = el("button", "bk-button bk-primary", BK.plain(view.submit));
      submit.type = "button";
      submit.addEventListener("click", async () => {
        const values = BK.collectState(body);
        const missing = BK.missingInputs(view.blocks, values);
        if (Object.keys(missing).length) {
          draw(missing, values);
          return;
        }
        submit.disabled = true;
        submit.classList.add("busy");
        const error = await api("/api/submit", { view_id: top.id, state: values });
        submit.disabled = false;
        submit.classList.remove("busy");
        if (error) {
          problem.textContent = error;
          problem.hidden = false;
        }
      });
      footer.append(submit);
    }
    box.append(head, body, problem, footer);
    layer.replaceChildren(box);
    layer.hidden = false;
  }

  // --- the rest of the page ----------------------------------------------------------------------------

  function renderPeople() {
    const container = $("people");
    if (!container.children.length) {
      for (const person of state.workspace.users) {
        const row = el("label", "person");
        const input = el("input");
        input.type = "radio";
        input.name = "person";
        input.value = person.id;
        input.setAttribute("aria-label", person.name);
        input.addEventListener("change", () => become(person.id));
        const text = el("span", "person-text");
        const name = el("span", "person-name", person.name);
        const about = el("span", "person-about");
        about.id = "about-" + person.id;
        about.append(el("span", "person-mail", person.email), el("span", "person-role", person.role));
        input.setAttribute("aria-describedby", about.id);
        text.append(name, about);
        row.append(input, text);
        container.append(row);
      }
    }
    container.querySelectorAll("input").forEach((input) => { input.checked = input.value === state.me; });
  }

  function renderChannels() {
    const list = $("channels");
    list.replaceChildren();
    for (const channel of state.workspace.channels) {
      const item = el("li");
      const button = el("button", "nav-item", "# " + channel.name);
      button.type = "button";
      button.setAttribute("aria-current", String(state.where.kind === "channel" && state.where.id === channel.id));
      button.addEventListener("click", () => {
        state.where = { kind: "channel", id: channel.id };
        render();
        $("composer-input").focus();
      });
      item.append(button);
      list.append(item);
    }
    $("open-app").setAttribute("aria-current", String(state.where.kind === "app"));
  }

  function renderActivity(activity) {
    const last = activity.length ? activity[activity.length - 1].n : 0;
    if (state.cache.activity === last) return;
    state.cache.activity = last;
    const list = $("activity");
    list.replaceChildren(...activity.slice().reverse().map((entry) => {
      const item = el("li", "entry " + entry.status);
      const arrow = entry.direction === "app" ? "→ app" : "← Slack";
      item.append(el("time", "", entry.time), el("span", "arrow", arrow), el("span", "summary", entry.summary));
      return item;
    }));
  }

  function renderBadges(snapshot) {
    const dm = snapshot.conversations[snapshot.dm] || [];
    if (state.where.kind === "app" && state.tab === "messages" && dm.length) {
      state.seenDm[state.me] = parseFloat(dm[dm.length - 1].ts);
    }
    const seen = state.seenDm[state.me] || 0;
    const unread = dm.filter((m) => m.author === BOT && parseFloat(m.ts) > seen).length;
    for (const id of ["app-badge", "tab-badge"]) {
      const badge = $(id);
      badge.hidden = unread === 0;
      badge.textContent = unread ? "(" + unread + " non lu" + (unread > 1 ? "s" : "") + ")" : "";
    }
  }

  function render() {
    const snapshot = state.snapshot;
    renderChannels();
    if (!snapshot) return;
    const inChannel = state.where.kind === "channel";
    $("channel-pane").hidden = !inChannel;
    $("app-pane").hidden = inChannel;
    if (inChannel) {
      const channel = state.workspace.channels.find((c) => c.id === state.where.id);
      $("channel-title").textContent = "# " + (channel ? channel.name : state.where.id);
      renderMessages($("messages"), snapshot.conversations[state.where.id], state.cache.messages,
        "Aucun message dans ce canal pour l'instant. Tapez /ror aide ci-dessous.");
    } else {
      $("tab-home").setAttribute("aria-selected", String(state.tab === "home"));
      $("tab-messages").setAttribute("aria-selected", String(state.tab === "messages"));
      $("home").hidden = state.tab !== "home";
      $("dm").hidden = state.tab !== "messages";
      renderHome(snapshot.home);
      renderMessages($("dm"), snapshot.conversations[snapshot.dm], state.cache.dm,
        "Aucun message de l'app pour l'instant : confirmations, exports et notifications arrivent ici.");
    }
    renderBadges(snapshot);
    renderModal(snapshot.modals);
    renderActivity(snapshot.activity);
  }

  function openApp(tab) {
    state.where = { kind: "app" };
    state.tab = tab;
    render();
    api("/api/home", { tab });
  }

  function wire() {
    $("composer").addEventListener("submit", (event) => {
      event.preventDefault();
      const input = $("composer-input");
      const text = input.value.trim();
      if (!text) return;
      input.value = "";
      const channel = state.where.id;
      if (text.startsWith("/")) api("/api/command", { channel, text });
      else api("/api/message", { channel, text });
    });
    for (const example of state.workspace.examples) {
      const chip = el("button", "example", example);
      chip.type = "button";
      chip.addEventListener("click", () => {
        const input = $("composer-input");
        input.value = example;
        input.focus();
      });
      $("examples").append(chip);
    }
    $("open-app").addEventListener("click", () => openApp(state.tab));
    $("tab-home").addEventListener("click", () => openApp("home"));
    $("tab-messages").addEventListener("click", () => openApp("messages"));
  }

  async function start() {
    const response = await fetch("/api/workspace");
    state.workspace = await response.json();
    BK.setNameLookup((id) => {
      const person = state.workspace.users.find((u) => u.id === id);
      return person ? person.name : id;
    });
    state.where = { kind: "channel", id: state.workspace.channels[0].id };
    wire();
    const wanted = decodeURIComponent(location.hash.slice(1));
    const first = state.workspace.users.find((u) => u.id === wanted) || state.workspace.users[0];
    become(first.id);
    render();
  }

  start().catch(() => setConnection(false));
})();
