// Block Kit and mrkdwn, rendered readably (not Slack's look) with DOM nodes only: text from the app or from
// people always lands in text nodes or attributes, never in innerHTML.
"use strict";

(function () {
  const EMOJI = {
    white_check_mark: "✅", heavy_check_mark: "✔️", warning: "⚠️", grey_question: "❔", question: "❓",
    x: "❌", no_entry: "⛔", no_entry_sign: "🚫", information_source: "ℹ️", bell: "🔔", mag: "🔍",
    memo: "📝", calendar: "📅", spiral_calendar_pad: "🗓️", hourglass: "⌛", hourglass_flowing_sand: "⏳",
    inbox_tray: "📥", outbox_tray: "📤", email: "📧", envelope: "✉️", page_facing_up: "📄", lock: "🔒",
    arrow_right: "➡️", point_right: "👉", tada: "🎉", red_circle: "🔴", large_green_circle: "🟢",
    large_orange_circle: "🟠", large_blue_circle: "🔵", hospital: "🏥", clipboard: "📋", wave: "👋",
    eyes: "👀", rotating_light: "🚨", construction: "🚧", bar_chart: "📊", link: "🔗", pushpin: "📌",
  };
  const SAFE_URL = /^(https?:|mailto:)/i;

  let nameOf = (id) => id;
  let uid = 0;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function unescapeSlack(text) {
    return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  }

  function emojify(text) {
    return text.replace(/(?<![\w:]):([a-z0-9_+-]+):(?![\w])/g, (whole, name) => EMOJI[name] || whole);
  }

  // --- mrkdwn --------------------------------------------------------------------------------------------

  const INLINE = [
    { kind: "code", re: /`([^`\n]+)`/ },
    { kind: "angle", re: /<([^<>\n]+)>/ },
    { kind: "bold", re: /(?<![\p{L}\p{N}_*])\*(?=\S)([^*\n]*?\S)\*(?![\p{L}\p{N}_*])/u },
    { kind: "italic", re: /(?<![\p{L}\p{N}_])_(?=\S)([^_\n]*?\S)_(?![\p{L}\p{N}_])/u },
    { kind: "strike", re: /(?<![\p{L}\p{N}_~])~(?=\S)([^~\n]*?\S)~(?![\p{L}\p{N}_~])/u },
  ];

  function textNode(text) {
    return document.createTextNode(emojify(unescapeSlack(text)));
  }

  function angle(inside) {
    const [target, label] = splitOnce(inside, "|");
    if (target.startsWith("@")) {
      return el("span", "mention", "@" + (label || nameOf(target.slice(1))));
    }
    if (target.startsWith("#")) {
      return el("span", "mention", "#" + (label || target.slice(1)));
    }
    if (target.startsWith("!")) {
      const special = target.slice(1).split("^")[0];
      const shown = label || (["here", "channel", "everyone"].includes(special) ? "@" + special : special);
      return el("span", "mention", unescapeSlack(shown));
    }
    const url = unescapeSlack(target);
    const shown = unescapeSlack(label || target);
    if (!SAFE_URL.test(url)) return document.createTextNode(shown);
    const link = el("a", "link", shown);
    link.href = url;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    return link;
  }

  function splitOnce(text, separator) {
    const at = text.indexOf(separator);
    return at < 0 ? [text, ""] : [text.slice(0, at), text.slice(at + 1)];
  }

  function appendInline(parent, text) {
    let rest = text;
    while (rest) {
      let best = null;
      for (const rule of INLINE) {
        const match = rule.re.exec(rest);
        if (match && (best === null || match.index < best.match.index)) best = { rule, match };
      }
      if (best === null) {
        parent.append(textNode(rest));
        return;
      }
      const { rule, match } = best;
      if (match.index > 0) parent.append(textNode(rest.slice(0, match.index)));
      const inner = match[1];
      if (rule.kind === "code") {
        parent.append(el("code", "", unescapeSlack(inner)));
      } else if (rule.kind === "angle") {
        parent.append(angle(inner));
      } else {
        const tag = { bold: "strong", italic: "em", strike: "s" }[rule.kind];
        const node = el(tag);
        appendInline(node, inner);
        parent.append(node);
      }
      rest = rest.slice(match.index + match[0].length);
    }
  }

  function mrkdwn(text) {
    const root = el("div", "mrkdwn");
    const parts = String(text || "").split("```");
    parts.forEach((part, index) => {
      const closed = index % 2 === 1 && index < parts.length - 1;
      if (closed) {
        root.append(el("pre", "code-block", unescapeSlack(part.replace(/^\n/, ""))));
      } else {
        appendInline(root, index % 2 === 1 ? "```" + part : part);
      }
    });
    return root;
  }

  function textObject(object, className) {
    if (!object) return el("span", className || "");
    if (object.type === "mrkdwn") {
      const node = mrkdwn(object.text);
      if (className) node.classList.add(className);
      return node;
    }
    return el("span", "plain " + (className || ""), object.emoji === false ? object.text : emojify(object.text || ""));
  }

  function plain(object) {
    return object && object.text ? emojify(object.text) : "";
  }

  // --- elements ------------------------------------------------------------------------------------------

  function optionByValue(options, value) {
    return options.find((o) => o.value === value) || null;
  }

  function allOptions(element) {
    if (element.options) return element.options;
    return (element.option_groups || []).flatMap((group) => group.options || []);
  }

  function fillOptions(select, element, skip) {
    const add = (parent, option) => {
      if (skip && skip.has(option.value)) return;
      const node = el("option", "", plain(option.text));
      node.value = option.value;
      parent.append(node);
    };
    if (element.option_groups) {
      for (const group of element.option_groups) {
        const node = el("optgroup");
        node.label = plain(group.label);
        (group.options || []).forEach((option) => add(node, option));
        select.append(node);
      }
    } else {
      (element.options || []).forEach((option) => add(select, option));
    }
  }

  function stateful(node, blockId, element, get, set) {
    node.dataset.state = "1";
    node.dataset.blockId = blockId;
    node.dataset.actionId = element.action_id || "";
    node.dataset.type = element.type;
    node.rorState = get;
    node.rorSetState = set;
    return node;
  }

  function actionBase(element, blockId) {
    return { type: element.type, action_id: element.action_id, block_id: blockId };
  }

  function button(element, blockId, ctx) {
    const node = el("button", "bk-button " + (element.style ? "bk-" + element.style : ""), plain(element.text));
    node.type = "button";
    node.addEventListener("click", async () => {
      if (element.url && SAFE_URL.test(element.url)) window.open(element.url, "_blank", "noopener");
      const action = { ...actionBase(element, blockId), text: element.text, value: element.value };
      if (element.style) action.style = element.style;
      if (element.confirm && !(await ctx.confirm(element.confirm))) return;
      node.classList.add("busy");
      try {
        await ctx.onAction(action);
      } finally {
        node.classList.remove("busy");
      }
    });
    return node;
  }

  function staticSelect(element, blockId, ctx, opts) {
    const select = el("select", "bk-select");
    select.id = opts.inputId || "bk-" + ++uid;
    if (opts.label) select.setAttribute("aria-label", opts.label);
    const placeholder = el("option", "", plain(element.placeholder) || "Choisir…");
    placeholder.value = "";
    select.append(placeholder);
    fillOptions(select, element);
    const options = allOptions(element);
    if (element.initial_option) select.value = element.initial_option.value;
    const get = () => ({ type: element.type, selected_option: optionByValue(options, select.value) });
    const set = (state) => { select.value = state.selected_option ? state.selected_option.value : ""; };
    if (opts.dispatch) {
      select.addEventListener("change", () => {
        const chosen = optionByValue(options, select.value);
        ctx.onAction({ ...actionBase(element, blockId), selected_option: chosen });
      });
    }
    return stateful(select, blockId, element, get, set);
  }

  function multiSelect(element, blockId, ctx, opts) {
    const options = allOptions(element);
    const box = el("div", "bk-multi");
    const chips = el("ul", "chips");
    const select = el("select", "bk-select");
    select.id = opts.inputId || "bk-" + ++uid;
    if (opts.label) select.setAttribute("aria-label", opts.label);
    box.append(chips, select);
    let chosen = (element.initial_options || []).map((o) => o.value);
    const max = element.max_selected_items || Infinity;

    const selected = () => chosen.map((v) => optionByValue(options, v)).filter(Boolean);
    const dispatch = () => {
      if (opts.dispatch) ctx.onAction({ ...actionBase(element, blockId), selected_options: selected() });
    };
    const draw = () => {
      chips.replaceChildren();
      for (const option of selected()) {
        const chip = el("li", "chip", plain(option.text));
        const remove = el("button", "chip-remove", "×");
        remove.type = "button";
        remove.setAttribute("aria-label", "Retirer " + plain(option.text));
        remove.addEventListener("click", () => {
          chosen = chosen.filter((v) => v !== option.value);
          draw();
          dispatch();
        });
        chip.append(remove);
        chips.append(chip);
      }
      select.replaceChildren();
      const first = el("option", "", chosen.length ? "Ajouter…" : plain(element.placeholder) || "Choisir…");
      first.value = "";
      select.append(first);
      fillOptions(select, element, new Set(chosen));
      select.value = "";
      select.disabled = chosen.length >= max;
    };
    select.addEventListener("change", () => {
      if (!select.value) return;
      chosen = [...chosen, select.value];
      draw();
      dispatch();
    });
    draw();
    const get = () => ({ type: element.type, selected_options: selected() });
    const set = (state) => {
      chosen = (state.selected_options || []).map((o) => o.value).filter((v) => optionByValue(options, v));
      draw();
    };
    return stateful(box, blockId, element, get, set);
  }

  function checkboxes(element, blockId, ctx, opts, radio) {
    const box = el("fieldset", radio ? "bk-radios" : "bk-checkboxes");
    if (opts.label) box.setAttribute("aria-label", opts.label);
    const name = "bk-" + ++uid;
    const inputs = [];
    const initial = radio
      ? (element.initial_option ? [element.initial_option.value] : [])
      : (element.initial_options || []).map((o) => o.value);
    for (const option of element.options || []) {
      const row = el("label", "bk-check");
      const input = el("input");
      input.type = radio ? "radio" : "checkbox";
      input.name = name;
      input.value = option.value;
      input.checked = initial.includes(option.value);
      row.append(input, textObject(option.text, "check-text"));
      if (option.description) row.append(textObject(option.description, "check-description"));
      box.append(row);
      inputs.push(input);
    }
    const picked = () => inputs.filter((i) => i.checked).map((i) => optionByValue(element.options, i.value));
    const get = () =>
      radio ? { type: element.type, selected_option: picked()[0] || null }
        : { type: element.type, selected_options: picked() };
    const set = (state) => {
      const values = radio
        ? [state.selected_option && state.selected_option.value]
        : (state.selected_options || []).map((o) => o.value);
      inputs.forEach((i) => { i.checked = values.includes(i.value); });
    };
    if (opts.dispatch) {
      inputs.forEach((input) => input.addEventListener("change", () => {
        ctx.onAction({ ...actionBase(element, blockId), ...get() });
      }));
    }
    return stateful(box, blockId, element, get, set);
  }

  function datepicker(element, blockId, ctx, opts) {
    const input = el("input", "bk-date");
    input.type = "date";
    input.id = opts.inputId || "bk-" + ++uid;
    if (opts.label) input.setAttribute("aria-label", opts.label);
    if (element.initial_date) input.value = element.initial_date;
    const get = () => ({ type: element.type, selected_date: input.value || null });
    const set = (state) => { input.value = state.selected_date || ""; };
    if (opts.dispatch) {
      input.addEventListener("change", () => ctx.onAction({ ...actionBase(element, blockId), selected_date: input.value || null }));
    }
    return stateful(input, blockId, element, get, set);
  }

  function textInput(element, blockId, ctx, opts) {
    const input = element.multiline ? el("textarea", "bk-text") : el("input", "bk-text");
    if (!element.multiline) input.type = "text";
    else input.rows = 4;
    input.id = opts.inputId || "bk-" + ++uid;
    if (opts.label) input.setAttribute("aria-label", opts.label);
    if (element.placeholder) input.placeholder = plain(element.placeholder);
    if (element.max_length) input.maxLength = element.max_length;
    if (element.initial_value) input.value = element.initial_value;
    const get = () => ({ type: element.type, value: input.value === "" ? null : input.value });
    const set = (state) => { input.value = state.value || ""; };
    if (opts.dispatch && !element.multiline) {
      input.addEventListener("keydown", (event) => {
        if (event.key === "Enter") ctx.onAction({ ...actionBase(element, blockId), value: input.value });
      });
    }
    return stateful(input, blockId, element, get, set);
  }

  function element(elementJson, blockId, ctx, opts) {
    switch (elementJson.type) {
      case "button": return button(elementJson, blockId, ctx);
      case "static_select":
      case "overflow": return staticSelect(elementJson, blockId, ctx, opts);
      case "multi_static_select": return multiSelect(elementJson, blockId, ctx, opts);
      case "checkboxes": return checkboxes(elementJson, blockId, ctx, opts, false);
      case "radio_buttons": return checkboxes(elementJson, blockId, ctx, opts, true);
      case "datepicker": return datepicker(elementJson, blockId, ctx, opts);
      case "plain_text_input": return textInput(elementJson, blockId, ctx, opts);
      case "image": return el("span", "bk-image", "[image : " + (elementJson.alt_text || "") + "]");
      default: return el("span", "bk-unknown", "[élément « " + elementJson.type + " » non affiché]");
    }
  }

  // --- blocks --------------------------------------------------------------------------------------------

  function block(blockJson, ctx) {
    const blockId = blockJson.block_id || "";
    const node = el("div", "bk-block bk-" + blockJson.type);
    node.dataset.blockId = blockId;
    switch (blockJson.type) {
      case "header":
        node.append(el("h3", "bk-header", plain(blockJson.text)));
        break;
      case "divider":
        node.append(el("hr"));
        break;
      case "section": {
        const main = el("div", "section-main");
        if (blockJson.text) main.append(textObject(blockJson.text, "section-text"));
        if (blockJson.fields) {
          const fields = el("div", "fields");
          blockJson.fields.forEach((field) => fields.append(textObject(field, "field")));
          main.append(fields);
        }
        node.append(main);
        if (blockJson.accessory) {
          const accessory = el("div", "accessory");
          accessory.append(element(blockJson.accessory, blockId, ctx, { dispatch: true }));
          node.append(accessory);
        }
        break;
      }
      case "context":
        (blockJson.elements || []).forEach((item) => {
          node.append(item.type === "image" ? el("span", "bk-image", "[" + (item.alt_text || "image") + "]") : textObject(item));
        });
        break;
      case "actions":
        (blockJson.elements || []).forEach((item) => node.append(element(item, blockId, ctx, { dispatch: true })));
        break;
      case "input": {
        const inputId = "bk-input-" + ++uid;
        const label = el("label", "input-label", plain(blockJson.label));
        label.htmlFor = inputId;
        if (blockJson.optional) label.append(el("span", "optional", " (facultatif)"));
        node.append(label);
        const control = element(blockJson.element || {}, blockId, ctx, {
          dispatch: Boolean(blockJson.dispatch_action),
          inputId,
          label: plain(blockJson.label),
        });
        node.append(control);
        if (blockJson.hint) node.append(el("p", "hint", plain(blockJson.hint)));
        const error = (ctx.errors || {})[blockId];
        if (error) {
          const message = el("p", "field-error", error);
          message.setAttribute("role", "alert");
          node.append(message);
          node.classList.add("has-error");
        }
        node.dataset.optional = blockJson.optional ? "1" : "";
        break;
      }
      case "image":
        node.append(el("p", "bk-image", "[image : " + (blockJson.alt_text || "") + "]"));
        break;
      default:
        node.append(el("p", "bk-unknown", "[bloc « " + blockJson.type + " » non affiché]"));
    }
    return node;
  }

  function renderBlocks(blocks, ctx) {
    const root = el("div", "blocks");
    (blocks || []).forEach((b) => root.append(block(b, ctx)));
    return root;
  }

  function collectState(root) {
    const values = {};
    root.querySelectorAll("[data-state]").forEach((node) => {
      const blockId = node.dataset.blockId;
      values[blockId] = values[blockId] || {};
      values[blockId][node.dataset.actionId] = node.rorState();
    });
    return values;
  }

  function applyState(root, values) {
    root.querySelectorAll("[data-state]").forEach((node) => {
      const kept = (values[node.dataset.blockId] || {})[node.dataset.actionId];
      if (kept && kept.type === node.dataset.type) node.rorSetState(kept);
    });
  }

  function isEmpty(state) {
    if (!state) return true;
    if ("value" in state) return !state.value || !String(state.value).trim();
    if ("selected_options" in state) return !state.selected_options.length;
    if ("selected_option" in state) return !state.selected_option;
    if ("selected_date" in state) return !state.selected_date;
    return false;
  }

  // What Slack's client checks before sending a view_submission: required inputs and minimum lengths.
  function missingInputs(blocks, values) {
    const errors = {};
    for (const b of blocks || []) {
      if (b.type !== "input") continue;
      const state = (values[b.block_id] || {})[(b.element || {}).action_id];
      if (!b.optional && isEmpty(state)) {
        errors[b.block_id] = "Ce champ est obligatoire.";
      } else if (state && state.value && b.element.min_length && state.value.length < b.element.min_length) {
        errors[b.block_id] = "Au moins " + b.element.min_length + " caractères.";
      }
    }
    return errors;
  }

  window.BlockKit = {
    el, mrkdwn, textObject, plain, renderBlocks, collectState, applyState, missingInputs,
    setNameLookup(lookup) { nameOf = lookup; },
    escapeForMrkdwn(text) { return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"); },
  };
})();
