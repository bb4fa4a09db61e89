// The dashboard's readers chart: data from the page's JSON script tag, drawn right-to-left (the oldest day
// on the right, the axis on the right, legend and tooltips in Arabic order).
(function () {
  var source = document.getElementById('reader-chart-data');
  var canvas = document.getElementById('reader-chart');
  if (!source || !canvas || !window.Chart) {
    return;
  }
  var data = JSON.parse(source.textContent);
  var font = { family: "Tahoma, 'Segoe UI', Arial, sans-serif" };
  window.Chart.defaults.font.family = font.family;
  new window.Chart(canvas, {
    type: 'line',
    data: {
      labels: data.labels,
      datasets: [
        {
          label: 'اشتراكات',
          data: data.signups,
          borderColor: '#0b5cad',
          backgroundColor: 'rgba(11, 92, 173, 0.12)',
          fill: true,
          tension: 0.3,
          pointRadius: 2,
        },
        {
          label: 'إلغاءات',
          data: data.unsubscribes,
          borderColor: '#b42318',
          backgroundColor: 'rgba(180, 35, 24, 0.08)',
          fill: true,
          tension: 0.3,
          pointRadius: 2,
        },
      ],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: 'index', intersect: false },
      plugins: {
        legend: { rtl: true, textDirection: 'rtl', labels: { font: font } },
        tooltip: { rtl: true, textDirection: 'rtl' },
      },
      scales: {
        x: { reverse: true, ticks: { autoSkip: true, maxTicksLimit: 8, maxRotation: 0 } },
        y: { position: 'right', beginAtZero: true, ticks: { precision: 0 } },
      },
    },
  });
})();
