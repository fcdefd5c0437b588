"""Documents: ``bulletins`` (reading 督查通报 files), ``drafting`` (a draft from the committed ledger, its figures
marked), ``bodymarks`` (where each figure stands in the body), ``verify`` (every stated number recomputed),
``checking`` (``ducha check`` of items, rules, bulletins and the review register), ``notices`` (督查通知单)."""
