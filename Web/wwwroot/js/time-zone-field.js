// Time-zone fields: a search box that narrows the list, and the browser's own zone preselected for a new member.
(() => {
  for (const field of document.querySelectorAll('[data-time-zone-field]:not([data-ready])')) {
    field.dataset.ready = 'true';
    const select = field.querySelector('select');
    const search = field.querySelector('input[type=search]');
    field.querySelector('.time-zone-search').hidden = false;
    if (field.dataset.fromBrowser === 'true') {
      const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      if ([...select.options].some(o => o.value === zone)) select.value = zone;
    }
    search.addEventListener('input', () => {
      const words = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      let first = null;
      for (const option of select.options) {
        const text = (option.textContent + ' ' + option.value).toLowerCase().replaceAll('_', ' ');
        const match = words.every(w => text.includes(w));
        option.hidden = !match;
        if (match && !first) first = option;
      }
      for (const group of select.querySelectorAll('optgroup')) {
        group.hidden = [...group.children].every(o => o.hidden);
      }
      if (first && select.selectedOptions[0]?.hidden) select.value = first.value;
    });
  }
})();
