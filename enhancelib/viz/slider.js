// Before/after comparison slider: the front end of enhancelib.viz.slider.BeforeAfter.
//
// Everything happens here, in the browser: dragging the split line, choosing
// which two images are compared, keyboard control.  Nothing calls back into
// Python, so the widget works the same in JupyterLab and in a static page
// with no kernel.  The model holds:
//   images   [{label, src}]  pictures as data URLs, all the same size
//   left     label of the image shown left of the line
//   right    label of the image shown right of the line
//   position split as a fraction of the width, 0 (all right) .. 1 (all left)
//   width, height  pixel size of the pictures (sets the aspect ratio)
//   title    optional caption above the pictures

const STEP = 0.02; // keyboard step, fraction of the width

function clamp01(x) {
  return Math.min(1, Math.max(0, x));
}

function element(tag, className, parent) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (parent) parent.appendChild(node);
  return node;
}

function makeSelect(parent, title) {
  const wrap = element("label", "eb-ba-choice", parent);
  element("span", "eb-ba-choice-title", wrap).textContent = title;
  return element("select", "eb-ba-select", wrap);
}

const HANDLE_SVG =
  '<svg viewBox="0 0 40 40" width="40" height="40" aria-hidden="true">' +
  '<circle cx="20" cy="20" r="18" fill="rgba(0,0,0,0.55)" stroke="white" stroke-width="2"/>' +
  '<path d="M16 13 L9 20 L16 27 M24 13 L31 20 L24 27" fill="none" stroke="white" ' +
  'stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round"/></svg>';

function render({ model, el }) {
  const root = element("div", "eb-ba", el);
  const title = element("div", "eb-ba-title", root);
  const controls = element("div", "eb-ba-controls", root);
  const leftSelect = makeSelect(controls, "left");
  const swap = element("button", "eb-ba-swap", controls);
  swap.type = "button";
  swap.textContent = "\u21c4 swap";
  swap.title = "Swap the two images";
  const rightSelect = makeSelect(controls, "right");

  const frame = element("div", "eb-ba-frame", root);
  const under = element("img", "eb-ba-img eb-ba-img-right", frame);
  const clip = element("div", "eb-ba-clip", frame);
  const over = element("img", "eb-ba-img eb-ba-img-left", clip);
  const leftLabel = element("span", "eb-ba-label eb-ba-label-left", frame);
  const rightLabel = element("span", "eb-ba-label eb-ba-label-right", frame);
  const line = element("div", "eb-ba-line", frame);
  const handle = element("div", "eb-ba-handle", line);
  handle.innerHTML = HANDLE_SVG;
  handle.tabIndex = 0;
  handle.setAttribute("role", "slider");
  handle.setAttribute("aria-valuemin", "0");
  handle.setAttribute("aria-valuemax", "100");
  for (const img of [under, over]) {
    img.draggable = false;
    img.decoding = "sync";
  }

  let position = clamp01(model.get("position"));

  function byLabel(label) {
    const images = model.get("images") || [];
    return images.find((item) => item.label === label) || null;
  }

  function showSplit() {
    const percent = (position * 100).toFixed(2);
    // inset(top right bottom left): hide the part of the left image right of the line.
    clip.style.clipPath = `inset(0 ${(100 - position * 100).toFixed(2)}% 0 0)`;
    line.style.left = `${percent}%`;
    frame.dataset.position = position.toFixed(4);
    handle.setAttribute("aria-valuenow", String(Math.round(position * 100)));
    // Fade a label out when the line covers its corner.
    leftLabel.style.opacity = position < 0.12 ? "0" : "1";
    rightLabel.style.opacity = position > 0.88 ? "0" : "1";
  }

  function showImages() {
    const images = model.get("images") || [];
    const width = model.get("width") || 1;
    const height = model.get("height") || 1;
    frame.style.aspectRatio = `${width} / ${height}`;
    frame.style.maxWidth = `${width}px`;
    controls.style.maxWidth = `${width}px`;
    const left = byLabel(model.get("left")) || images[0];
    const right = byLabel(model.get("right")) || images[1] || images[0];
    if (!left || !right) return;
    if (over.getAttribute("src") !== left.src) over.src = left.src;
    if (under.getAttribute("src") !== right.src) under.src = right.src;
    over.alt = left.label;
    under.alt = right.label;
    leftLabel.textContent = left.label;
    rightLabel.textContent = right.label;
    handle.setAttribute("aria-label", `Split between ${left.label} and ${right.label}`);
    for (const [select, chosen] of [[leftSelect, left.label], [rightSelect, right.label]]) {
      select.replaceChildren(
        ...images.map((item) => {
          const option = document.createElement("option");
          option.value = item.label;
          option.textContent = item.label;
          option.selected = item.label === chosen;
          return option;
        }),
      );
    }
    controls.style.display = images.length > 2 ? "" : "none";
    const text = model.get("title") || "";
    title.textContent = text;
    title.style.display = text ? "" : "none";
  }

  // Push a change to the kernel when there is one; in a static page this is a no-op.
  function commit(changes) {
    for (const [key, value] of Object.entries(changes)) model.set(key, value);
    try {
      model.save_changes();
    } catch (error) {
      /* no kernel: the view keeps its own state */
    }
  }

  function positionFromEvent(event) {
    const box = frame.getBoundingClientRect();
    return box.width > 0 ? clamp01((event.clientX - box.left) / box.width) : position;
  }

  let dragging = null; // pointer id while dragging
  function onDown(event) {
    if (event.button !== undefined && event.button !== 0) return;
    dragging = event.pointerId;
    frame.setPointerCapture?.(event.pointerId);
    frame.classList.add("eb-ba-dragging");
    position = positionFromEvent(event);
    showSplit();
    event.preventDefault();
  }
  function onMove(event) {
    if (dragging === null || event.pointerId !== dragging) return;
    position = positionFromEvent(event);
    showSplit();
  }
  function onUp(event) {
    if (dragging === null || event.pointerId !== dragging) return;
    dragging = null;
    frame.classList.remove("eb-ba-dragging");
    commit({ position });
  }
  function onKey(event) {
    const moves = { ArrowLeft: -STEP, ArrowRight: STEP, PageDown: -5 * STEP, PageUp: 5 * STEP };
    if (event.key in moves) position = clamp01(position + moves[event.key]);
    else if (event.key === "Home") position = 0;
    else if (event.key === "End") position = 1;
    else return;
    event.preventDefault();
    showSplit();
    commit({ position });
  }
  function onLeftChoice() {
    commit({ left: leftSelect.value });
  }
  function onRightChoice() {
    commit({ right: rightSelect.value });
  }
  function onSwap() {
    commit({ left: model.get("right"), right: model.get("left") });
  }
  function onModelPosition() {
    if (dragging !== null) return;
    position = clamp01(model.get("position"));
    showSplit();
  }

  frame.addEventListener("pointerdown", onDown);
  frame.addEventListener("pointermove", onMove);
  frame.addEventListener("pointerup", onUp);
  frame.addEventListener("pointercancel", onUp);
  handle.addEventListener("keydown", onKey);
  leftSelect.addEventListener("change", onLeftChoice);
  rightSelect.addEventListener("change", onRightChoice);
  swap.addEventListener("click", onSwap);
  model.on("change:position", onModelPosition);
  for (const name of ["images", "left", "right", "width", "height", "title"]) {
    model.on(`change:${name}`, showImages);
  }

  showImages();
  showSplit();

  return () => {
    model.off("change:position", onModelPosition);
    for (const name of ["images", "left", "right", "width", "height", "title"]) {
      model.off(`change:${name}`, showImages);
    }
  };
}

export default { render };
