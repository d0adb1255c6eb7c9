/* The Swagger page of the open API (templates/api/swagger.html): names for the controls
   Swagger UI draws without one, so that screen readers can operate them (axe-core:
   button-name, select-name, scrollable-region-focusable). Swagger UI redraws as one opens
   an operation or runs a request, so every change is looked at again. */
(function () {
    "use strict";

    function label(root) {
        root.querySelectorAll(".copy-to-clipboard button:not([aria-label])").forEach(function (button) {
            button.setAttribute("aria-label", "复制到剪贴板");
        });
        root.querySelectorAll(".parameters-col_description select:not([aria-label])").forEach(function (select) {
            var row = select.closest("tr[data-param-name]");
            select.setAttribute("aria-label", row ? "参数 " + row.getAttribute("data-param-name") : "选择");
        });
        root.querySelectorAll("select:not([aria-label]):not([id])").forEach(function (select) {
            select.setAttribute("aria-label", "选择");
        });
        root.querySelectorAll(".highlight-code > .microlight:not([tabindex]), .curl-command .curl:not([tabindex])").forEach(function (block) {
            block.setAttribute("tabindex", "0");
        });
    }

    var target = document.getElementById("swagger-ui");
    if (!target) {
        return;
    }
    label(target);
    new MutationObserver(function () {
        label(target);
    }).observe(target, { childList: true, subtree: true });
})();
