"""The work desks: what a 单位填报人 and a 财政审核人 do in the browser during the season —
我的待办, entering lines, projects and texts, importing Excel with a preview, the findings that
lead to their fix, review with 审核意见, and the workflow buttons the user may press."""
