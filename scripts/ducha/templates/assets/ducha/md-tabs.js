// From mkdocs-material 9 (MIT licence, templates/partials/javascripts/content.html), unchanged: served as a
// file so that no script runs inline (the site's CSP allows scripts from the site only).
var tabs=__md_get("__tabs");if(Array.isArray(tabs))e:for(var set of document.querySelectorAll(".tabbed-set")){var labels=set.querySelector(".tabbed-labels");for(var tab of tabs)for(var label of labels.getElementsByTagName("label"))if(label.innerText.trim()===tab){var input=document.getElementById(label.htmlFor);input.checked=!0;continue e}}
