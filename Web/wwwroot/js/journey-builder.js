// The journey builder's diagram follows the form: on each change the form is posted to the page's Diagram handler,
// which answers the SVG of the graph as typed. Without this script the "Update diagram" button does the same.
(() => {
  const form = document.getElementById('journey-builder');
  const diagram = document.getElementById('journey-diagram-live');
  if (!form || !diagram || !window.fetch) {
    return;
  }
  let timer;
  let controller;
  const redraw = async () => {
    controller?.abort();
    controller = new AbortController();
    try {
      const response = await fetch(form.dataset.diagramUrl, { method: 'POST', body: new FormData(form), signal: controller.signal });
      if (response.ok) {
        diagram.innerHTML = await response.text();
        diagram.dataset.redrawn = String(Number(diagram.dataset.redrawn || 0) + 1);
      }
    } catch (error) {
      if (error.name !== 'AbortError') {
        diagram.dataset.redrawError = String(error);
      }
    }
  };
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(redraw, 250);
  };
  form.addEventListener('input', schedule);
  form.addEventListener('change', schedule);
})();
