// « Où utiliser mon pass »: a map of the sites the page lists (one marker per item, the
// same order, each linking to its page), and « Nearest to me first », which sorts the list
// by the phone's position — used here and never sent. Without this script, or without
// tiles, the list is the page.
import { CircleMarker, Map as LeafletMap, TileLayer, latLngBounds } from "leaflet/dist/leaflet-src.esm.js";
import { formatters } from "./lib/locale.js";

const list = document.querySelector("[data-sites]");
const items = () => [...(list?.querySelectorAll("li[data-site]") ?? [])];

function drawMap() {
  const holder = document.getElementById("sites-map");
  const sites = items();
  if (!holder || sites.length === 0) return;
  holder.hidden = false;
  const map = new LeafletMap(holder, { scrollWheelZoom: false });
  new TileLayer(holder.dataset.tiles, { attribution: holder.dataset.attribution, maxZoom: 18 }).addTo(map);
  const at = (item) => [Number(item.dataset.lat), Number(item.dataset.lon)];
  // the view first: a vector marker is drawn only on a map that has one
  map.fitBounds(latLngBounds(sites.map(at)), { padding: [24, 24], maxZoom: 14 });
  for (const item of sites) {
    const marker = new CircleMarker(at(item), { radius: 8, color: "#1f5c34", weight: 2, fillColor: "#ffffff", fillOpacity: 1 });
    const link = document.createElement("a");
    link.href = item.dataset.href;
    link.textContent = item.dataset.name;
    marker.bindPopup(link);
    marker.addTo(map);
    marker.getElement()?.setAttribute("data-marker", item.dataset.site);
  }
}

// Great-circle distance in km (the server's geo.haversine_km).
function km(a, b) {
  const rad = Math.PI / 180;
  const h =
    Math.sin(((b[0] - a[0]) * rad) / 2) ** 2 +
    Math.cos(a[0] * rad) * Math.cos(b[0] * rad) * Math.sin(((b[1] - a[1]) * rad) / 2) ** 2;
  return 2 * 6371.0088 * Math.asin(Math.sqrt(Math.min(1, h)));
}

function nearMe() {
  const box = document.querySelector("[data-near-me]");
  if (!box || !navigator.geolocation || items().length < 2) return;
  box.hidden = false;
  const status = box.querySelector("[data-near-me-status]");
  const { number } = formatters();
  const away = list.dataset.away;
  box.querySelector("[data-near-me-button]").addEventListener("click", () => {
    navigator.geolocation.getCurrentPosition(
      (position) => {
        const here = [position.coords.latitude, position.coords.longitude];
        const sorted = items()
          .map((item) => ({ item, distance: km(here, [Number(item.dataset.lat), Number(item.dataset.lon)]) }))
          .sort((a, b) => a.distance - b.distance);
        for (const { item, distance } of sorted) {
          const written = number(distance, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
          item.querySelector("[data-distance]").textContent = away.replace("{km}", written);
          list.append(item);
        }
        status.textContent = status.dataset.sorted;
      },
      () => {
        status.textContent = status.dataset.refused;
      },
      { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 },
    );
  });
}

drawMap();
nearMe();
