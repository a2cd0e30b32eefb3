// Follows the code's text while she waits: says when it is delivered, and reloads to tell the truth if it cannot be.
(() => {
  const status = document.getElementById('delivery-status');
  let tries = 0;
  const timer = setInterval(async () => {
    if (++tries > 45) { clearInterval(timer); return; }
    try {
      const response = await fetch('/sign-in/status/delivery', { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
      if (!response.ok) return;
      const state = await response.json();
      if (state.delivery === 'delivered') {
        status.textContent = 'Delivered to your phone.';
        clearInterval(timer);
      } else if (state.delivery === 'failed') {
        clearInterval(timer);
        location.reload();
      }
    } catch { /* next tick */ }
  }, 2000);
})();
