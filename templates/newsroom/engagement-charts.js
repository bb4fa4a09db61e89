// Engagement charts of the newsroom (an edition's clicks per hour, clicks per topic): data from each canvas's
// JSON script tag, drawn right-to-left like the readers chart (axis on the right, Arabic legend and tooltips).
// A card htmx swaps in (the edition's live engagement card) brings a new canvas: it is drawn on htmx:load, and
// the charts of canvases swapped out are destroyed so they do not pile up.
(function () {
  if (!window.Chart) {
    return;
  }
  var Chart = window.Chart;
  Chart.defaults.font.family = "Tahoma, 'Segoe UI', Arial, sans-serif";

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute('data-chart'));
    if (!source || Chart.getChart(canvas)) {
      return;
    }
    var data = JSON.parse(source.textContent);
    new Chart(canvas, {
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
              x: {
                reverse: true,
                ticks: { autoSkip: true, maxTicksLimit: 12, maxRotation: 0 },
                title: { display: Boolean(data.xTitle), text: data.xTitle },
              },
              y: { position: 'right', beginAtZero: true, ticks: { precision: 0 } },
            },
      },
    });
  }

  function drawAll(root) {
    Object.values(Chart.instances).forEach(function (chart) {
      if (!chart.canvas.isConnected) {
        chart.destroy();
      }
    });
    root.querySelectorAll('canvas[data-chart]').forEach(draw);
  }

  drawAll(document);
  document.addEventListener('htmx:load', function (event) {
    drawAll(event.detail.elt);
  });
})();
