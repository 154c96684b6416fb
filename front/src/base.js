// Behaviour shared by every page. Kept tiny: pages work without it.

// The language switch links keep the path and query (server-rendered), but a
// URL fragment never reaches the server: the pass page carries its token there,
// so the switch must carry it on, or the visitor would lose their pass.
document.addEventListener("click", (event) => {
  const link = event.target instanceof Element ? event.target.closest("a[hreflang]") : null;
  if (link && window.location.hash && !link.hash) {
    link.hash = window.location.hash;
  }
});
