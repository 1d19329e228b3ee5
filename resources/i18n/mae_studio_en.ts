<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
<context>
    <name>ColorBar</name>
    <message numerus="yes">
        <source>%n removed patch(es) above the top, shown in its colour (max {value}).</source>
        <translation>
            <numerusform>%n removed patch above the top, shown in its colour (max {value}).</numerusform>
            <numerusform>%n removed patches above the top, shown in its colour (max {value}).</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ErrorMapDialog</name>
    <message numerus="yes">
        <source>%n pixel(s) above the top, shown in its colour (max {value}).</source>
        <translation>
            <numerusform>%n pixel above the top, shown in its colour (max {value}).</numerusform>
            <numerusform>%n pixels above the top, shown in its colour (max {value}).</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n patch(es) above the colour bar&apos;s top (worst {worst}).</source>
        <translation>
            <numerusform>%n patch above the colour bar&apos;s top (worst {worst}).</numerusform>
            <numerusform>%n patches above the colour bar&apos;s top (worst {worst}).</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>FileActions</name>
    <message numerus="yes">
        <source>Saved %n panel(s) in {folder}</source>
        <translation>
            <numerusform>Saved %n panel in {folder}</numerusform>
            <numerusform>Saved %n panels in {folder}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Loaded mask {name} (%n patch(es))</source>
        <translation>
            <numerusform>Loaded mask {name} (%n patch)</numerusform>
            <numerusform>Loaded mask {name} (%n patches)</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>StudioStatusBar</name>
    <message numerus="yes">
        <source>%n thread(s)</source>
        <translation>
            <numerusform>%n thread</numerusform>
            <numerusform>%n threads</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SweepChart</name>
    <message numerus="yes">
        <source>mean of %n seed(s)</source>
        <translation>
            <numerusform>mean of %n seed</numerusform>
            <numerusform>mean of %n seeds</numerusform>
        </translation>
    </message>
</context>
</TS>
