// From mkdocs-material 9 (MIT licence, templates/partials/javascripts/content.html), unchanged: served as a
// file so that no script runs inline (the site's CSP allows scripts from the site only).
var target=document.getElementById(location.hash.slice(1));target&&target.name&&(target.checked=target.name.startsWith("__tabbed_"))
