// Engagement charts of the newsroom (an edition's clicks per hour, clicks per topic): data from each canvas's
// JSON script tag, drawn right-to-left like the readers chart (axis on the right, Arabic legend and tooltips).
(function () {
  if (!window.Chart) {
    return;
  }
  var font = { family: "Tahoma, 'Segoe UI', Arial, sans-serif" };
  window.Chart.defaults.font.family = font.family;
  document.querySelectorAll('canvas[data-chart]').forEach(function (canvas) {
    var source = document.getElementById(canvas.getAttribute('data-chart'));
    if (!source) {
      return;
    }
    var data = JSON.parse(source.textContent);
    new window.Chart(canvas, {
      type: 'bar',
      data: {
        labels: data.labels,
        datasets: [{ label: data.label, data: data.values, backgroundColor: '#0b5cad' }],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: data.horizontal ? 'y' : 'x',
        plugins: {
          legend: { display: false },
          tooltip: { rtl: true, textDirection: 'rtl' },
        },
        scales: data.horizontal
          ? { x: { reverse: true, beginAtZero: true, ticks: { precision: 0 } }, y: { position: 'right' } }
          : {
              x: { reverse: true, ticks: { autoSkip: true, maxTicksLimit: 12, maxRotation: 0 } },
              y: { position: 'right', beginAtZero: true, ticks: { precision: 0 } },
            },
      },
    });
  });
})();
