// The claim form, enhanced: only the fields of the chosen proof are shown, the
// proofs offered follow the arrival mode, and the list of stops the mode too.
// Without this script the form still works: every field is there and sent.

const form = document.querySelector("form.claim-form");

if (form) {
  const mode = form.querySelector("#mode");
  const method = form.querySelector("#method");
  const stopList = form.querySelector("#stop-list");
  const allStops = stopList ? [...stopList.options].map((option) => option.cloneNode(true)) : [];
  const fields = [...form.querySelectorAll("[data-methods]")];

  for (const hint of form.querySelectorAll("[data-nojs]")) hint.hidden = true;

  const showMethodFields = () => {
    for (const field of fields) {
      const shown = field.dataset.methods.split(" ").includes(method.value);
      field.hidden = !shown;
      // a hidden field is not sent: the server judges only what the visitor sees
      for (const control of field.querySelectorAll("input, select")) control.disabled = !shown;
    }
  };

  // Each mode's proofs: the other modes' are taken out of the list (hiding an
  // option is not honoured by every browser), and put back when the mode changes.
  const groups = [...method.querySelectorAll("optgroup")];

  const followMode = () => {
    const wanted = method.value;
    const ours = groups.find((group) => group.dataset.mode === mode.value);
    method.replaceChildren(...(ours ? [...ours.children] : []).map((option) => option.cloneNode(true)));
    const keep = [...method.options].find((option) => option.value === wanted);
    (keep || method.options[0])?.setAttribute("selected", "");
    if (keep) keep.selected = true;
    if (stopList) {
      stopList.replaceChildren(...allStops.filter((option) => option.dataset.mode === mode.value).map((o) => o.cloneNode(true)));
    }
    showMethodFields();
  };

  mode.addEventListener("change", followMode);
  method.addEventListener("change", showMethodFields);
  followMode();

  // After a refusal, the summary takes the focus so that it is read out first.
  const summary = document.querySelector("#error-summary");
  if (summary) {
    summary.focus();
    // A summary link shows its field with the label above it, then puts the focus in it
    // (the browser's own jump would scroll the label off the top of the screen).
    summary.addEventListener("click", (event) => {
      const link = event.target instanceof Element ? event.target.closest('a[href^="#"]') : null;
      const control = link && document.getElementById(link.hash.slice(1));
      if (!control) return;
      event.preventDefault();
      (control.closest(".field") ?? control).scrollIntoView({ block: "start" });
      control.focus({ preventScroll: true });
    });
  }
}
