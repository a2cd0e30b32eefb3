// While she is on the page, ask every few seconds whether her START has arrived; when it has, say so and let her continue.
(() => {
  const status = document.getElementById('start-status');
  const button = document.getElementById('continue');
  let timer = 0;
  const check = async () => {
    try {
      const response = await fetch('/sign-in/status/texts', { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
      if (response.ok) {
        const state = await response.json();
        if (!state.stopped) {
          status.textContent = 'Texts are back on. You can continue: we will text you a code.';
          button.textContent = 'Continue — text me a code';
          button.classList.add('ready');
          button.focus();
          clearInterval(timer);
        }
      }
    } catch { /* try again on the next tick */ }
  };
  timer = setInterval(check, 2000);
  check();
})();
