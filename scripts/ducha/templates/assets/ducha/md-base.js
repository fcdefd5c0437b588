// From mkdocs-material 9 (MIT licence, templates/partials/javascripts/base.html), unchanged but for
// reading its one template value from the script tag: served as a file so no script runs inline.
var __md_script=document.currentScript;
__md_scope=new URL(__md_script.getAttribute("data-scope"),location),__md_hash=e=>[...e].reduce(((e,_)=>(e<<5)-e+_.charCodeAt(0)),0),__md_get=(e,_=localStorage,t=__md_scope)=>JSON.parse(_.getItem(t.pathname+"."+e)),__md_set=(e,_,t=localStorage,a=__md_scope)=>{try{t.setItem(a.pathname+"."+e,JSON.stringify(_))}catch(e){}}
